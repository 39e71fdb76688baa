export const USAGE = `usage: sluice <command> [options]

commands:
  doctor     check that this installation can run Sluice: Node version, Kafka client,
             worker threads, msgpack and LZ4 (native or pure TypeScript); prints JSON
  version    print the Sluice version
  help       print this text`;
