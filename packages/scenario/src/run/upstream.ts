import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The application container of a workload: answers 200 on every request with who it is. */
export interface UpstreamApp {
  /** scenario port → real port on the workload's loopback address */
  ports: Map<number, number>;
  close(): Promise<void>;
}

export async function startUpstreamApp(workloadKey: string, loopback: string, scenarioPorts: number[]): Promise<UpstreamApp> {
  const servers: http.Server[] = [];
  const ports = new Map<number, number>();
  for (const scenarioPort of scenarioPorts) {
    const server = http.createServer((req, res) => {
      req.resume();
      const body = JSON.stringify({ workload: workloadKey, port: scenarioPort, method: req.method, path: req.url });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, loopback, () => resolve());
    });
    servers.push(server);
    ports.set(scenarioPort, (server.address() as AddressInfo).port);
  }
  return {
    ports,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
