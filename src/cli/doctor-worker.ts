/** Proves a worker thread starts and runs TypeScript in this installation. */
export default function double(value: number): number {
  return value * 2;
}
