/**
 * A TLS front for the test's Temporal dev server, as a self-hosted cluster or Temporal Cloud
 * presents itself: Debian's nginx terminating TLS with client-certificate verification and
 * requiring `Authorization: Bearer <API key>`, proxying gRPC to the dev server. Certificates are
 * made here with openssl: a CA, the server's certificate (127.0.0.1 and localhost), a client
 * certificate of that CA, and a second CA with a client certificate of its own (untrusted).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface TlsFront {
  address: string;
  dir: string;
  /** The right API key (a random one per front). */
  apiKey: string;
  files: { ca: string; clientCert: string; clientKey: string; otherCa: string; otherCert: string; otherKey: string };
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${name}`,
    ]),
  );
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ]),
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Fails (never skips) when nginx is missing: CI installs it (.ci/run). */
export function requireNginx(): void {
  if (!existsSync(NGINX)) {
    throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install nginx), as .ci/run does`);
  }
}

export async function startTlsFront(upstream: string): Promise<TlsFront> {
  requireNginx();
  const dir = mkdtempSync(join(tmpdir(), 'gdc-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'other-ca', 'other-client', 'extendedKeyUsage=clientAuth\n');
  const apiKey = `key-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const port = await freePort();
  mkdirSync(join(dir, 'tmp'));
  // A gRPC error answer is a trailers-only response: HTTP 200 with grpc-status in the headers.
  const grpcError = (status: number, message: string) =>
    `default_type application/grpc; add_header grpc-status ${status} always; ` +
    `add_header grpc-message "${message}" always; return 200;`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  map $http_authorization $api_key_ok { "Bearer ${apiKey}" 1; default 0; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    # 495: a client certificate that does not verify; 496: none sent.
    error_page 495 496 = @certificate;
    location @certificate { ${grpcError(16, 'client certificate required')} }
    location @apikey { ${grpcError(16, 'API key not accepted')} }
    location / {
      error_page 418 = @apikey;
      if ($api_key_ok = 0) { return 418; }
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
      grpc_pass grpc://${upstream};
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    dir,
    apiKey,
    files: {
      ca: join(dir, 'ca.crt'),
      clientCert: join(dir, 'client.crt'),
      clientKey: join(dir, 'client.key'),
      otherCa: join(dir, 'other-ca.crt'),
      otherCert: join(dir, 'other-client.crt'),
      otherKey: join(dir, 'other-client.key'),
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
