'use strict';
// A small HTTP service: GET /uptime answers how long it has been up,
// formatted by the ms package. --check prints one line and exits.
const http = require('node:http');
const ms = require('ms');

const started = Date.now();

function uptime(now) {
  return ms(Math.max(0, now - started), { long: true });
}

function handler(req, res) {
  if (req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(`node-web up ${uptime(Date.now())} on ${process.arch}\n`);
}

module.exports = { uptime, handler };

if (require.main === module) {
  if (process.argv.includes('--check')) {
    console.log(`node-web ok ${process.arch} ${ms(90000)} uid=${process.getuid()}`);
  } else {
    const port = Number(process.env.PORT || 8080);
    http.createServer(handler).listen(port, () => console.log(`listening on :${port}`));
  }
}
