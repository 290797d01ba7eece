// A restarted agent adopts the containers still running, and removes those of pods that are gone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess } from './procfs.js';
import { TestNode, testPod, waitFor, text } from './testing.js';

let node: TestNode;

before(() => {
  node = new TestNode(`ad${process.pid % 100000}`);
});
after(() => node.cleanup());

test('after an agent restart the runtime adopts running containers and follows them on', async () => {
  const first = node.runtime();
  await first.start();
  const kept = testPod('kept', { containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'echo before; read x < /dev/stdin; echo "got $x"; exit 4'], stdin: true }] });
  const gone = testPod('gone', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '600'] }] });
  first.syncPod(kept, node.podNetwork());
  first.syncPod(gone, node.podNetwork());
  const uid = kept.metadata.uid!;
  const running = await waitFor('both running', () => first.pods().every((u) => first.podStatus(u)?.containerStatuses?.[0].state?.running) && first.podStatus(uid));
  const containerID = running.containerStatuses![0].containerID;
  // The runtime records each run's pid in <data dir>/pods/<ns>_<name>_<uid>/<container>/<restart>/pid.json.
  const gonePid = (JSON.parse(readFileSync(join(node.dataDir, 'pods', `default_gone_${gone.metadata.uid}`, 'app', '0', 'pid.json'), 'utf8')) as { pid: number }).pid;
  // The agent stops (restart): its timers and watches end, the containers do not.
  await first.stop();
  assert.ok(isSameProcess(gonePid, undefined));

  const second = node.runtime();
  assert.deepEqual((await second.start()).sort(), [uid, gone.metadata.uid!].sort());
  const adopted = second.podStatus(uid)!;
  assert.equal(adopted.containerStatuses![0].containerID, containerID);
  assert.ok(adopted.containerStatuses![0].state?.running);
  assert.equal(adopted.containerStatuses![0].restartCount, 0);
  assert.match(await text(second.logs(uid, 'app')), /^before\n/);

  // The pod "gone" is no longer bound to the node: its containers are killed and its files go.
  await second.retainPods([uid]);
  assert.deepEqual(second.pods(), [uid]);
  await waitFor('the leftover container to die', () => !isSameProcess(gonePid, undefined));

  // The adopted container is still attached to: stdin, then its exit, are seen by the new agent.
  second.syncPod(kept, { podIPs: adopted.podIPs!.map((p) => p.ip), hostIPs: ['192.168.1.10'], netns: `krt-${node.tag}-p1` });
  const a = second.attach(uid, 'app', { stdin: true, stdout: true });
  a.stdin!.write('hello\n');
  const exit = await a.exit;
  assert.equal(exit, 4);
  await waitFor('the exit in the status', () => second.podStatus(uid)?.containerStatuses?.[0].lastState?.terminated?.exitCode === 4 || second.podStatus(uid)?.containerStatuses?.[0].state?.terminated?.exitCode === 4);
  assert.match(await text(second.logs(uid, 'app', { previous: second.podStatus(uid)!.containerStatuses![0].restartCount > 0 })), /got hello\n$/);
});

test('after a restart that took the shim with it, the pod shows its containers gone, then runs them again', async () => {
  const first = node.runtime();
  await first.start();
  const pod = testPod('lost', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '600'] }] });
  const uid = pod.metadata.uid!;
  first.syncPod(pod, node.podNetwork());
  const running = await waitFor('running and ready', () => first.podStatus(uid)?.containerStatuses?.[0].ready && first.podStatus(uid));
  await first.stop();
  // The machine's view after a crash of the whole node: the shim and its containers are gone.
  const shim = (JSON.parse(readFileSync(join(node.dataDir, 'pods', `default_lost_${uid}`, 'shim.json'), 'utf8')) as { pid: number }).pid;
  process.kill(-shim, 'SIGKILL');
  await waitFor('the shim to die', () => !isSameProcess(shim, undefined));

  const second = node.runtime();
  assert.ok((await second.start()).includes(uid));
  const restored = second.podStatus(uid)!;
  const cs = restored.containerStatuses![0];
  assert.equal(cs.ready, false);
  assert.equal(cs.state?.terminated?.reason, 'ContainerStatusUnknown');
  assert.equal(cs.containerID, running.containerStatuses![0].containerID);
  assert.equal(restored.conditions!.find((c) => c.type === 'Ready')!.status, 'False');

  second.syncPod(pod, node.podNetwork());
  const again = await waitFor('running again', () => second.podStatus(uid)?.containerStatuses?.[0].ready && second.podStatus(uid));
  assert.equal(again.containerStatuses![0].restartCount, 1);
  assert.notEqual(again.containerStatuses![0].containerID, cs.containerID);
  await second.removePod(uid);
  await second.stop();
});
