// The body of the inference thread (see onnx-runtime.ts): onnxruntime-node runs a session synchronously on
// the thread that calls it, so sessions live here, away from the event loop that must stay free for
// signals, progress events and heartbeats while a tile takes seconds.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { InferenceReply, InferenceRequest } from './inference-messages.ts';

const sessionOptions = workerData as ort.InferenceSession.SessionOptions;
const sessions = new Map<string, ort.InferenceSession>();
const port = parentPort!;

async function handle(request: InferenceRequest): Promise<InferenceReply> {
  switch (request.type) {
    case 'load': {
      const session = await ort.InferenceSession.create(new Uint8Array(request.bytes), sessionOptions);
      sessions.set(request.key, session);
      return {
        id: request.id,
        type: 'loaded',
        inputNames: session.inputNames,
        outputNames: session.outputNames,
      };
    }
    case 'run': {
      const session = sessions.get(request.key);
      if (!session) throw new Error(`no session ${request.key} in the inference thread`);
      const input = new ort.Tensor('float32', request.input, request.dims);
      const output = (await session.run({ [request.inputName]: input }, [request.outputName]))[
        request.outputName
      ];
      return {
        id: request.id,
        type: 'ran',
        dataType: output?.type ?? 'none',
        dims: [...(output?.dims ?? [])],
        data: output?.type === 'float32' ? (output.data as Float32Array) : new Float32Array(0),
      };
    }
    case 'release': {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.release().catch(() => undefined)));
      return { id: request.id, type: 'released' };
    }
  }
}

/** Sends a result without copying it where onnxruntime's buffer can be handed over. */
function reply(message: InferenceReply): void {
  if (message.type !== 'ran') return port.postMessage(message);
  try {
    port.postMessage(message, [message.data.buffer as ArrayBuffer]);
  } catch {
    port.postMessage(message);
  }
}

port.on('message', (request: InferenceRequest) => {
  handle(request).then(reply, (err: unknown) =>
    reply({ id: request.id, type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
