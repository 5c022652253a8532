"""A TLS front for the benchmark's plain-HTTP endpoints: a throwaway CA made at run time, a server
certificate for 127.0.0.1 signed by it, and a TLS-terminating HTTP/1.1 proxy that passes each request
to the endpoint with its headers unchanged (so SigV4's signed Host header still matches what the client
sent) and keeps the client's connection open as AWS's endpoints do.

In AWS every call is HTTPS, and a cold start's first calls pay the handshakes; this lets the bench
measure them. The clients trust the CA through their standard settings (see `trust_env`), and the
bundle they load is the system's roots plus this CA, so loading the roots costs what it costs on a
real host (rustls-native-certs reads only SSL_CERT_FILE when it is set).

    python bench/tls_front.py --upstream http://127.0.0.1:PORT --cert leaf.pem --key leaf-key.pem
    (prints "listening PORT", then serves until terminated)
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import http.server
import ipaddress
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# Where Debian and Amazon Linux keep the system's roots (what the clients load without SSL_CERT_FILE).
SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
KEY_KINDS = ("rsa2048", "ecdsa-p256")


@dataclass(frozen=True)
class Pki:
    ca: Path        # the CA certificate alone (Node's NODE_EXTRA_CA_CERTS adds it to Node's own roots)
    bundle: Path    # the system roots + the CA (SSL_CERT_FILE, AWS_CA_BUNDLE)
    cert: Path      # the server's certificate chain (leaf, CA)
    key: Path
    kind: str
    system_roots: int

    def trust_env(self) -> dict[str, str]:
        """Each client's standard CA setting: rustls-native-certs and OpenSSL read SSL_CERT_FILE,
        Node NODE_EXTRA_CA_CERTS, botocore AWS_CA_BUNDLE (requests: REQUESTS_CA_BUNDLE)."""
        return {"SSL_CERT_FILE": str(self.bundle), "NODE_EXTRA_CA_CERTS": str(self.ca),
                "AWS_CA_BUNDLE": str(self.bundle), "REQUESTS_CA_BUNDLE": str(self.bundle)}


def _private_key(kind: str):
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key kind: expected one of {', '.join(KEY_KINDS)}, got {kind!r}")


def make_pki(directory: Path, kind: str = "rsa2048") -> Pki:
    """A CA and a 127.0.0.1/localhost server certificate, both with `kind` keys (AWS endpoints serve
    RSA 2048 certificates today), written to `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    valid = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2))
    ca_key, leaf_key = _private_key(kind), _private_key(kind)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bench throwaway CA ({kind})")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(valid[0]).not_valid_after(valid[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid[0]).not_valid_after(valid[1])
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{kind}-{name}.pem" for name in ("ca", "bundle", "cert", "key")}
    paths["ca"].write_bytes(pem(ca))
    system = next((Path(p).read_bytes() for p in SYSTEM_BUNDLES if Path(p).exists()), b"")
    paths["bundle"].write_bytes(system.rstrip(b"\n") + b"\n" + pem(ca) if system else pem(ca))
    paths["cert"].write_bytes(pem(leaf) + pem(ca))
    paths["key"].write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    return Pki(**paths, kind=kind, system_roots=system.count(b"-----BEGIN CERTIFICATE-----"))


class TlsFront:
    """The proxy as its own process (its handshake CPU stays out of the driver's), before `upstream`."""

    def __init__(self, upstream: str, pki: Pki):
        self.pki = pki
        self.proc = subprocess.Popen([sys.executable, __file__, "--upstream", upstream, "--cert", str(pki.cert),
                                      "--key", str(pki.key)], stdout=subprocess.PIPE, text=True)
        line = (self.proc.stdout.readline() or "").split()
        if len(line) != 2 or line[0] != "listening":
            self.proc.kill()
            raise RuntimeError(f"the TLS front before {upstream} did not start")
        self.endpoint = f"https://127.0.0.1:{line[1]}"
        # The proxy prints one line per accepted connection: how many TLS connections a client opened.
        self.connections = 0
        threading.Thread(target=self._count, daemon=True, name="tls-front-lines").start()

    def _count(self):
        for line in self.proc.stdout:
            if line.startswith("connection"):
                self.connections += 1

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def __enter__(self) -> "TlsFront":
        return self

    def __exit__(self, *exc):
        self.stop()


# Headers that describe one hop, not the message (RFC 9110 7.6.1), and the ones rewritten here.
HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
               "content-length"}


class _Handler(http.server.BaseHTTPRequestHandler):
    """One client connection: TLS, then HTTP/1.1 requests kept alive as AWS's endpoints do. Each
    request goes to the upstream on a connection of its own (the emulator's server closes every
    connection after one response), and the answer comes back with a Content-Length on the kept one."""
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)

    def setup(self):
        print("connection", flush=True)
        self.request.do_handshake()   # here, in the connection's thread, not in accept()
        super().setup()

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        if body is not None:
            headers["Content-Length"] = str(length)
        up = http.client.HTTPConnection(*self.upstream, timeout=600)
        try:
            up.request(self.command, self.path, body=body, headers=headers)
            resp = up.getresponse()
            data = resp.read()
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_HEADERS:
                    self.send_header(k, v)
        finally:
            up.close()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


def serve(upstream: str, cert: str, key: str, port: int = 0):
    target = urlsplit(upstream)
    if target.scheme != "http" or not target.hostname or not target.port:
        raise SystemExit(f"--upstream: expected http://HOST:PORT, got {upstream!r}")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = type("Handler", (_Handler,), {"upstream": (target.hostname, target.port)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print("listening", server.server_address[1], flush=True)
    server.serve_forever()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="the plain endpoint, http://HOST:PORT")
    ap.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    ap.add_argument("--key", required=True, help="its private key (PEM)")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        serve(args.upstream, args.cert, args.key, args.port)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
