import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { createTRPCClient, TRPCClientError } from '@trpc/client';
import { IPC_CHANNEL, type IpcResponse } from '../../api/ipc-protocol.ts';
import { type IpcMainLike, type IpcSender, serveIpc } from '../../api/ipc-server.ts';
import { type AppRouter, appRouter } from '../../api/router.ts';
import { type IpcBridge, ipcLink } from '../../renderer/ipc-link.ts';
import { fakeServices } from './fake-services.ts';

/** A fake ipcMain + one window: messages are structured-cloned and delivered a tick later, like Electron. */
function fakeElectron() {
  const ipcMain = new EventEmitter();
  const toRenderer = new EventEmitter();
  const destroyed = new EventEmitter();
  const sender: IpcSender = {
    id: 1,
    send: (channel, message) => setImmediate(() => toRenderer.emit(channel, structuredClone(message))),
    once: (_e, l) => void destroyed.once('destroyed', l),
  };
  const bridge: IpcBridge = {
    send: (message) => setImmediate(() => ipcMain.emit(IPC_CHANNEL, { sender }, structuredClone(message))),
    onMessage: (listener) => {
      const l = (m: IpcResponse) => listener(m);
      toRenderer.on(IPC_CHANNEL, l);
      return () => toRenderer.off(IPC_CHANNEL, l);
    },
  };
  return { ipcMain, bridge, destroy: () => destroyed.emit('destroyed') };
}

function setup() {
  const services = fakeServices();
  const electron = fakeElectron();
  const stop = serveIpc({
    router: appRouter,
    ipcMain: electron.ipcMain as unknown as IpcMainLike,
    createContext: () => ({ services }),
  });
  const client = createTRPCClient<AppRouter>({ links: [ipcLink<AppRouter>(electron.bridge)] });
  return { services, electron, stop, client };
}

test('queries and mutations cross the bridge and keep their types', async () => {
  const { client, stop } = setup();
  const wf = {
    schemaVersion: 2 as const,
    nodes: { n: { type: 'toy.number', typeVersion: 1, params: { value: 1.25 }, inputs: {} } },
  };
  await client.workflow.save.mutate({ name: 'a', workflow: wf });
  const back = await client.workflow.load.query({ name: 'a' });
  assert.equal(back.nodes.n.params.value, 1.25);
  const cat = await client.nodes.list.query();
  assert.deepEqual(cat.nodes.map((n) => n.type).sort(), ['toy.number', 'toy.show']);
  stop();
});

test('bad input is refused by the router schema, with the tRPC code', async () => {
  const { client, stop } = setup();
  await assert.rejects(client.workflow.load.query({ name: '../../secret' }), (err: unknown) => {
    assert.ok(err instanceof TRPCClientError);
    assert.equal(err.data?.code, 'BAD_REQUEST');
    return true;
  });
  await assert.rejects(
    client.jobs.get.query({ jobId: 'missing' }),
    (err: TRPCClientError<AppRouter>) => err.data?.code === 'NOT_FOUND',
  );
  stop();
});

test('malformed messages get no answer and do not break later calls', async () => {
  const { client, electron, stop } = setup();
  electron.ipcMain.emit(
    IPC_CHANNEL,
    { sender: { id: 9, send: () => assert.fail('answered'), once() {} } },
    { kind: 'evil' },
  );
  assert.equal((await client.jobs.list.query()).length, 0);
  stop();
});

test('subscriptions stream events and stop when unsubscribed or the window closes', async () => {
  const { client, services, electron, stop } = setup();
  const got: unknown[] = [];
  let started!: () => void;
  const ready = new Promise<void>((r) => {
    started = r;
  });
  let done!: () => void;
  const twoSeen = new Promise<void>((r) => {
    done = r;
  });
  const sub = client.events.subscribe(
    { jobId: 'j' },
    {
      onStarted: () => started(),
      onData: (e) => {
        got.push(e);
        if (got.length === 2) done();
      },
    },
  );
  await ready;
  services.emit({ type: 'node-progress', jobId: 'other', time: 1, nodeId: 'n', fraction: 0.5 });
  services.emit({ type: 'node-progress', jobId: 'j', time: 2, nodeId: 'n', fraction: 0.25 });
  services.emit({ type: 'job-finished', jobId: 'j', time: 3, ms: 2 });
  await twoSeen;
  assert.deepEqual(got, [
    { type: 'node-progress', jobId: 'j', time: 2, nodeId: 'n', fraction: 0.25 },
    { type: 'job-finished', jobId: 'j', time: 3, ms: 2 },
  ]);
  sub.unsubscribe();
  electron.destroy();
  stop();
});
