import { computeDataplane, parseResources } from '@alpsim/calico';
import t from 'tap';
import { PilotFake, pilotServiceFromManifest, pilotWorkloadFromInfo } from '../src/index';

const yaml = `
apiVersion: v1
kind: Pod
metadata:
  name: summary-0
  namespace: yaobank
  labels: {app: summary}
  annotations: {alpsim.io/ip: 10.8.0.5}
spec:
  serviceAccountName: summary
  containers:
  - name: app
    image: summary
    ports: [{containerPort: 8080, name: http-api}]
---
apiVersion: v1
kind: Service
metadata: {name: summary, namespace: yaobank}
spec:
  clusterIP: 10.96.1.1
  selector: {app: summary}
  ports: [{name: http, port: 80, targetPort: http-api}]
`;

t.test('calico resources → PilotFake workloads and services', async (t) => {
  const resources = parseResources(yaml, 'yaobank.yaml');
  const state = computeDataplane(resources);
  const info = state.endpoints.get('yaobank/summary-0');
  if (!info) throw new Error('pod not in the dataplane state');
  const workload = pilotWorkloadFromInfo(info);
  t.match(workload, { namespace: 'yaobank', name: 'summary-0', ip: '10.8.0.5', serviceAccount: 'summary', ports: [{ port: 8080, name: 'http-api' }] });
  const serviceResource = resources.find((r) => r.kind === 'Service');
  const service = pilotServiceFromManifest(serviceResource?.object);
  t.same(service, { namespace: 'yaobank', name: 'summary', clusterIP: '10.96.1.1', ports: [{ port: 80, targetPort: 'http-api', name: 'http', protocol: undefined }], selector: { app: 'summary' } });
  const pilot = new PilotFake({ workloads: [workload], services: [service] });
  const lds = JSON.parse((await pilot.fetchListeners(pilot.nodeIds()[0])).body) as { listeners: { name: string }[] };
  t.ok(lds.listeners.some((l) => l.name === `http_${workload.ip}_8080`), 'named targetPort resolved to the pod port');
  t.throws(() => pilotServiceFromManifest({ kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'x' }] } }, 'svc.yaml'), /svc.yaml default\/s: spec.ports\[0\].port: expected a number/);
  t.throws(() => pilotServiceFromManifest({ kind: 'Pod' }), /expected a v1 Service object/);
});
