// Runs the local test cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a fake kubelet
// with one GPU node) until Ctrl-C, for kubectl or for `KUBECONFIG=<path> npm run test:cluster`:
//   node --import tsx test/support/serve-cluster.ts
import { startLocalCluster } from './cluster.ts';

const cluster = await startLocalCluster();
console.log(`${cluster.description}\nKUBECONFIG=${cluster.kubeconfigPath}\n(Ctrl-C stops it)`);
const stop = async () => {
  await cluster[Symbol.asyncDispose]();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
