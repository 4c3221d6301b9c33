import { parentPort, workerData } from 'node:worker_threads';
import { type CapacityProxyOptions, startCapacityProxy } from './capacity-proxy';

/**
 * The worker thread's side of `startCapacityProxyThread` (bench/lib/capacity-proxy.ts): the counting proxy,
 * run here, answering the bench thread's questions by message. Each question carries an id its answer repeats.
 */
type Question = { readonly id: number; readonly ask: 'counts' | 'startRecording' | 'stopRecording' | 'stop' };

const port = parentPort;
if (!port) throw new Error('capacity-proxy-thread runs as a worker thread');
const { target, options } = workerData as { readonly target: string; readonly options: CapacityProxyOptions };
const proxy = await startCapacityProxy(target, options);
port.on('message', (question: Question) => {
  const answer = async (): Promise<unknown> => {
    switch (question.ask) {
      case 'counts':
        return { counts: proxy.snapshot(), byCause: proxy.snapshotByCause(), shadowRequests: proxy.shadowRequests() };
      case 'startRecording':
        return proxy.startRecording();
      case 'stopRecording':
        return proxy.stopRecording();
      case 'stop':
        return proxy.stop();
    }
  };
  answer().then(
    (value) => {
      port.postMessage({ id: question.id, value });
      if (question.ask === 'stop') port.close();
    },
    (error: unknown) => port.postMessage({ id: question.id, error: String(error) }),
  );
});
port.postMessage({ ready: proxy.endpoint });
