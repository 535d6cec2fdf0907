// The upload benchmark's baseline: a Hono app on @hono/node-server (the ingress' server) whose POST /v1/images
// reads the body and discards it. Prints `listening <url>`; runs until SIGTERM.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/v1/images', async function discardUpload(c) {
  let bytes = 0;
  const reader = c.req.raw.body?.getReader();
  for (let read = await reader?.read(); read && !read.done; read = await reader!.read())
    bytes += read.value.byteLength;
  return c.json({ bytes }, 201);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening http://127.0.0.1:${info.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
