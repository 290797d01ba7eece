// registry.k8s.io/pause: sleeps until SIGINT or SIGTERM, then exits 0 (build/pause/linux/pause.c).

if (process.argv.slice(2).some((a) => a.toLowerCase() === '-v')) {
  process.stdout.write('pause.c v3.10\n');
  process.exit(0);
}
if (process.pid !== 1) process.stderr.write('Warning: pause should be the first process\n');

const keepAlive = setInterval(() => undefined, 1 << 30);
const down = (name: string) => () => {
  clearInterval(keepAlive);
  process.stderr.write(`Shutting down, got signal: ${name}\n`);
  process.exit(0);
};
process.once('SIGINT', down('Interrupt'));
process.once('SIGTERM', down('Terminated'));
