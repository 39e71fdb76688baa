/**
 * kafkajs 2.2.4 passes a negative delay to setTimeout (tulios/kafkajs#1751), harmlessly; Node 24
 * prints a TimeoutNegativeWarning for it. This process prints every other warning as before.
 */
export function ignoreKafkajsTimeoutWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.error(`${warning.name}: ${warning.message}`);
  });
}
