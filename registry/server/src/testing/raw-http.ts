/** Sends exact request bytes over TCP (fetch would normalise `..` and encodings) and returns the status code. */
import { connect } from "node:net";

/** Writes `request` to `url`'s host and port; resolves with the response status and raw text. */
export function rawRequest(url: string, request: string | Buffer): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => { chunks.push(chunk); });
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: match === null ? 0 : Number(match[1]), text });
    });
    socket.end(request);
  });
}
