"""aiosmtpd (Debian's python3-aiosmtpd) for mailsh's interop tests.

Usage: python3 aiosmtpd-server.py CONFIG.json. Listens on 127.0.0.1:
  smtp  -- STARTTLS offered; AUTH (PLAIN, LOGIN) only after it (auth_require_tls)
  smtps -- implicit TLS; AUTH at once
Recipients in config["domain"] are accepted, others refused with 550 5.1.1.
Each message is written to config["spool"]/N.eml. Prints "ready" when
listening and runs until SIGTERM.
"""
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

config = json.load(open(sys.argv[1]))


class Handler:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not address.lower().endswith("@" + config["domain"]):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        with open(os.path.join(config["spool"], f"{Handler.count}.eml"), "wb") as f:
            f.write(envelope.original_content or b"")
        return "250 2.0.0 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and config["users"].get(auth_data.login.decode()) == auth_data.password.decode()
    return AuthResult(success=ok)


def tls_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    return context


common = dict(hostname="127.0.0.1", server_hostname="localhost", authenticator=authenticator)
controllers = [
    Controller(Handler(), port=config["ports"]["smtp"], tls_context=tls_context(), auth_require_tls=True, **common),
    # aiosmtpd 1.4 takes only STARTTLS for TLS: on implicit TLS it must be told AUTH is fine.
    Controller(Handler(), port=config["ports"]["smtps"], ssl_context=tls_context(), auth_require_tls=False, **common),
]
for c in controllers:
    c.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
for c in controllers:
    c.stop()
