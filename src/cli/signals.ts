/**
 * A tool's stop on SIGINT/SIGTERM: the first signal aborts `signal` (the tool finishes what is in
 * flight), a second exits 130 at once. `dispose` removes the handlers.
 */
export function stopOnSignals(): { readonly controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    controller,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
