// s3rver in a process of its own for the publish benchmark (so the server's hashing and writes do not share
// the publisher's event loop): `node dist/bench/s3rver-process.js <dir> <bucket>` prints `listening on <url>`.
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
const info = await server.run();
process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
