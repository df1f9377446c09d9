"""An SMTP server for the mail tests: every message it accepts is written
to a file of its own in a directory, which the test reads: NAME.json with
what the test looks at, decoded (envelope recipients, headers, the plain
text and HTML bodies), and NAME.eml, the message as it arrived.

    target/tools/python/bin/python tools/smtp_sink.py --port PORT --dir DIR

Prints "ready PORT" once it listens, then serves
until it is stopped (SIGTERM or SIGINT). A file appears whole: it is
written under a temporary name and renamed.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import uuid

from aiosmtpd.controller import Controller


class ToFiles:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        name = uuid.uuid4().hex
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)

        def body(kind):
            part = message.get_body((kind,))
            return part.get_content() if part is not None else None

        decoded = {
            "envelope_to": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "list_unsubscribe": message["list-unsubscribe"] and str(message["list-unsubscribe"]),
            "reply_to": message["reply-to"] and str(message["reply-to"]),
            "text": body("plain"),
            "html": body("html"),
        }
        self.write(name + ".eml", raw)
        self.write(name + ".json", json.dumps(decoded, ensure_ascii=False).encode())
        return "250 OK"

    def write(self, name, data):
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(data)
        os.rename(temporary, os.path.join(self.directory, name))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(ToFiles(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", args.port, flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
