/** How the reference responders start: keep-alive as the sidecar's, an ephemeral loopback port, printed as `{"port":N}`. */
import type { Server } from "node:http";

/** Listens on 127.0.0.1 (port 0) and prints `{"port":N}` once listening; runs until killed. */
export function listenAndPrintPort(server: Server): void {
  server.keepAliveTimeout = 5_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address !== null ? address.port : 0 })}\n`);
  });
}
