"""A decoder of the collector's Perfetto traces for the tests, written from Perfetto's documented
proto field numbers (not from our writer's code): varints, length-delimited fields, compressed
packets, interned names, incremental clocks per sequence. `decode` returns the trace as Chrome Trace
Event JSON would hold it, so a test reads either format the same way."""
import json
import zlib

# TracePacket fields
TIMESTAMP, SEQUENCE_ID, TRACK_EVENT, INTERNED_DATA, SEQUENCE_FLAGS = 8, 10, 11, 12, 13
CLOCK_SNAPSHOT, COMPRESSED, DEFAULTS, TRACK_DESCRIPTOR = 6, 50, 59, 60
PYITT_HEADER, PYITT_TRAILER = 19001, 19002


def varint(data, i):
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("varint past the end")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(data):
    """(field number, value) for each field of a message: ints for varint/fixed, bytes otherwise."""
    i = 0
    out = []
    while i < len(data):
        tag, i = varint(data, i)
        field, kind = tag >> 3, tag & 7
        if kind == 0:
            value, i = varint(data, i)
        elif kind == 1:
            value, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif kind == 5:
            value, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        elif kind == 2:
            n, i = varint(data, i)
            if i + n > len(data):
                raise ValueError("field past the end")
            value, i = bytes(data[i:i + n]), i + n
        else:
            raise ValueError(f"wire type {kind}")
        out.append((field, value))
    if i != len(data):
        raise ValueError("message past the end")
    return out


def first(message_fields, number, default=None):
    return next((v for f, v in message_fields if f == number), default)


def packets(data):
    """Every TracePacket's fields, compressed ones inflated, in file order."""
    for field, value in fields(data):
        if field != 1:
            continue
        packet = fields(value)
        compressed = first(packet, COMPRESSED)
        if compressed is not None:
            yield from packets(zlib.decompress(compressed))
        else:
            yield packet


def clock_problems(data):
    """What Perfetto's trace processor would refuse in the trace's ClockSnapshots, by the rules of its
    ClockSynchronizer::AddSnapshot (perfetto src/trace_processor/util/clock_synchronizer.cc): each
    clock's readings must not go back across the snapshots of one set of clocks (a sequence's own
    clocks, 64-127, belong to their sequence), else the snapshot is rejected as invalid (the trace
    clock) or the clock can no longer be converted from; only a sequence's clocks may be incremental."""
    problems, last = [], {}
    for packet in packets(data):
        snapshot = first(packet, CLOCK_SNAPSHOT)
        if snapshot is None:
            continue
        sequence = first(packet, SEQUENCE_ID, 0)
        clocks = []
        for f, clock in fields(snapshot):
            if f == 1:
                c = fields(clock)
                clock_id = first(c, 1, 0)
                clocks.append(((clock_id, sequence if 64 <= clock_id < 128 else 0), first(c, 2, 0), first(c, 3, 0)))
        clock_set = tuple(sorted(key for key, _, _ in clocks))
        for key, ts, incremental in clocks:
            if incremental and key[1] == 0:
                problems.append(f"clock {key[0]} is incremental but not a sequence's")
            before = last.get((clock_set, key))
            if before is not None and ts < before:
                problems.append(f"clock {key[0]} goes back from {before} to {ts} in snapshots of {clock_set}")
            last[(clock_set, key)] = ts
    return problems


class _Sequence:
    def __init__(self):
        self.names, self.categories = {}, {}
        self.clock, self.track, self.clock_id = {}, None, None
        self.stack = []  # the thread's nested tasks
        self.spans = {}  # track -> the span begun on it


def decode(data, on_event=None):
    """The trace as Chrome Trace Event JSON; with on_event, each event goes to it instead of the list
    (an 11 M-event trace decodes in constant memory). A trace whose clock snapshots Perfetto would
    refuse (clock_problems) raises ValueError."""
    problems = clock_problems(data)
    if problems:
        raise ValueError("Perfetto would refuse the trace's clock snapshots: " + "; ".join(problems))
    sequences = {}
    tracks = {}  # uuid -> (pid, tid or None, name)
    events, meta = [], []
    emit = on_event or events.append
    trace = {"traceEvents": events, "otherData": {}}
    process_names = {}
    async_id = 0
    counter_tracks = set()
    global_tracks = set()
    last_pid = 0
    for packet in packets(data):
        seq = sequences.setdefault(first(packet, SEQUENCE_ID, 0), _Sequence())
        if first(packet, SEQUENCE_FLAGS, 0) & 1:
            seq.names, seq.categories = {}, {}
        header = first(packet, PYITT_HEADER)
        if header is not None:
            trace["otherData"] = json.loads(header)
        trailer = first(packet, PYITT_TRAILER)
        if trailer is not None:
            trace.update(json.loads(trailer))
        defaults = first(packet, DEFAULTS)
        if defaults is not None:
            d = fields(defaults)
            seq.clock_id = first(d, 58)
            event_defaults = first(d, 11)
            if event_defaults is not None:
                seq.track = first(fields(event_defaults), 11)
        snapshot = first(packet, CLOCK_SNAPSHOT)
        if snapshot is not None:
            for f, clock in fields(snapshot):
                c = fields(clock)
                seq.clock[first(c, 1)] = first(c, 2)
        descriptor = first(packet, TRACK_DESCRIPTOR)
        if descriptor is not None:
            d = fields(descriptor)
            uuid = first(d, 1)
            if first(d, 3) is not None:
                p = fields(first(d, 3))
                pid, name = first(p, 1), first(p, 6)
                tracks[uuid] = (pid, None, None)
                last_pid = pid
                if name is not None:
                    process_names[pid] = name.decode()
            elif first(d, 4) is not None:
                t = fields(first(d, 4))
                pid, tid, name = first(t, 1), first(t, 2), first(t, 5)
                tracks[uuid] = (pid, tid, None)
                if name is not None:
                    meta.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                                 "args": {"name": name.decode()}})
            else:
                parent = tracks.get(first(d, 5), (last_pid, None, None))
                tracks[uuid] = (parent[0], None, (first(d, 2) or b"").decode())
                if first(d, 5) is None:
                    global_tracks.add(uuid)
                if first(d, 8) is not None:
                    counter_tracks.add(uuid)
        interned = first(packet, INTERNED_DATA)
        if interned is not None:
            for f, entry in fields(interned):
                e = fields(entry)
                if f == 1:
                    seq.categories[first(e, 1)] = first(e, 2).decode()
                elif f == 2:
                    seq.names[first(e, 1)] = first(e, 2).decode()
        event = first(packet, TRACK_EVENT)
        if event is None:
            continue
        ts = first(packet, TIMESTAMP, 0)
        if seq.clock_id is not None and seq.clock_id >= 64:
            ts = seq.clock[seq.clock_id] = seq.clock[seq.clock_id] + ts
        e = fields(event)
        kind = first(e, 9)
        track = first(e, 11, seq.track)
        pid, tid, track_name = tracks.get(track, (0, 0, None))
        if tid is None:
            tid = pid
        name = first(e, 23)
        name = name.decode() if name is not None else seq.names.get(first(e, 10))
        category = first(e, 22)
        category = category.decode() if category is not None else seq.categories.get(first(e, 3))
        args = None
        for f, annotation in e:
            if f == 4:
                a = fields(annotation)
                args = json.loads(first(a, 9))
        us = ts / 1000
        if kind == 1 and first(e, 11) is None:  # a nested task on its thread's sequence
            seq.stack.append({"name": name, "cat": category, "ts": us, "pid": pid, "tid": tid})
        elif kind == 2 and first(e, 11) is None:
            begun = seq.stack.pop()
            x = {"ph": "X", **begun, "dur": us - begun["ts"]}
            if args is not None:
                x["args"] = args
            emit(x)
        elif kind == 1:
            async_id += 1
            ev = {"ph": "b", "name": name, "cat": category, "id": hex(async_id), "ts": us, "pid": pid, "tid": tid}
            if args is not None:
                ev["args"] = args
            emit(ev)
            seq.spans[track] = ev
        elif kind == 2:
            begun = seq.spans.pop(track)
            emit({"ph": "e", "name": begun["name"], "cat": begun["cat"], "id": begun["id"], "ts": us,
                           "pid": pid, "tid": begun["tid"]})
        elif kind == 3:
            ev = {"ph": "i", "name": name, "cat": category, "ts": us, "pid": pid, "tid": tid,
                  "s": "g" if track in global_tracks else "t" if tracks.get(track, (0, None))[1] is not None else "p"}
            if args is not None:
                ev["args"] = args
            emit(ev)
        elif kind == 4:
            value = first(e, 30)
            if value is not None:
                value = value - (1 << 64) if value >= 1 << 63 else value
            else:
                import struct
                value = struct.unpack("<d", first(e, 44).to_bytes(8, "little"))[0]
            emit({"ph": "C", "name": track_name, "cat": category, "ts": us, "pid": pid, "args": {"value": value}})
    for pid, name in process_names.items():
        meta.insert(0, {"ph": "M", "name": "process_name", "pid": pid, "tid": pid, "args": {"name": name}})
    events.extend(meta)
    return trace
