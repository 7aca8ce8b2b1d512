"""A python-socketio client written to the design note: one-argument handlers, no replay.

Usage: plain_client.py <url> <token> <expected event count>
Prints one JSON line per event received ([event, payload]), "connected" once connected, and
exits 0 after <count> events. A handler called with more than its one argument raises
TypeError inside python-socketio and records nothing: the test then times out, naming it.
"""
import json
import sys
import threading

import socketio

url, token, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
sio = socketio.Client(reconnection=False, logger="-v" in sys.argv, engineio_logger="-v" in sys.argv)
received = []
done = threading.Event()


def record(event, data):
    received.append(event)
    print(json.dumps([event, data]), flush=True)
    if len(received) >= expected:
        done.set()


@sio.event
def connect():
    print("connected", flush=True)


@sio.on("notification")
def on_notification(data):
    record("notification", data)


@sio.on("room:message")
def on_room_message(data):
    record("room:message", data)


@sio.on("announcement")
def on_announcement(data):
    record("announcement", data)


@sio.on("presence:changed")
def on_presence(data):
    # The user's own comings and goings (a room it is in hears it came online): one argument too,
    # but not among the emits the test counts.
    print(json.dumps(["aside", "presence:changed", data]), flush=True)


@sio.on("*")
def on_other(event, *args):
    # Anything else (gateway:sync included) is not part of the documented contract.
    print(json.dumps(["unexpected", event, list(args)]), flush=True)


sio.connect(url, auth={"token": token}, transports=["websocket"])
ok = done.wait(timeout=20)
sio.disconnect()
sys.exit(0 if ok else 3)
