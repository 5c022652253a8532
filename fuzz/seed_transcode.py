#!/usr/bin/env python3
"""Writes the seed corpus of the `transcode` fuzz target into fuzz/corpus/transcode/.

Byte 0 is the mode (see fuzz/src/targets/transcode.rs): 0 then a response body, 1 then bytes the
generator turns into a page. The bodies are hand-made pages (every attribute type, escapes, the
small fields in any order, near-misses the transcoder must refuse) and their combinations; the
generator inputs are fixed-seed random bytes. Rerun after changing the lists; the names are the
content's SHA-1, as libFuzzer names its corpus files, so a rerun rewrites the same files.
"""
import hashlib
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "transcode")

VALUES = [
    '{"S":"plain"}', '{"S":""}', r'{"S":"a\"b\\c\/d"}', r'{"S":"\u00e9\u00E9\ud83d\ude00"}',
    r'{"S":"\n\t\r\b\f\u0000\u001f\u007f"}', '{"S":"é€中😀"}', '{"N":"0"}', '{"N":"-0"}',
    '{"N":"12345678901234567890123456789012345678"}', '{"N":"-1.5E+3"}', '{"N":"1e-130"}',
    '{"N":"0.000000000000000000000000000000000000012345678901234567890123456789012345678"}',
    '{"B":"AP8Q"}', '{"B":""}', '{"BOOL":true}', '{"BOOL":false}', '{"NULL":true}', '{"NULL":false}',
    '{"SS":["x","",' + r'"\u00e9"' + ']}', '{"SS":[]}', '{"NS":["1","-2.5","1E+125"]}', '{"NS":[]}',
    '{"BS":["aGk=","AA=="]}', '{"BS":[]}', '{"L":[]}', '{"M":{}}',
    '{"L":[{"N":"1"},{"S":"x"},{"M":{"k":{"L":[{"NULL":true}]}}}]}',
    '{"M":{"a":{"M":{"b":{"M":{"c":{"SS":["deep"]}}}}}}}',
]
# Near misses: each is refused by the transcoder and left to the SDK.
REFUSED = [
    '{"S":null}', '{"S":"x","N":"1"}', '{"__type":"x","S":"y"}', '{"Q":"x"}', '{}', r'{"B":"AP\/Q"}',
    '{"B":"not base64!"}', '{"N":5}', '{"SS":["x",null]}', r'{"S":"\ud800"}', '{"BOOL":"true"}',
]
NAMES = ['pk', 'sk', '', r'\u00e9t\u00E9', 'a\\"b', 'Items', '$serde_json::private::Number', '😀']


def item(rng, values):
    names = rng.sample(NAMES, rng.randint(0, 4))
    return "{" + ",".join('"%s":%s' % (n, rng.choice(values)) for n in names) + "}"


def page(rng, values):
    items = [item(rng, values) for _ in range(rng.randint(0, 4))]
    members = ['"Items":[%s]' % ",".join(items), '"Count":%d' % len(items), '"ScannedCount":%d' % (len(items) + 1)]
    if rng.random() < 0.5:
        members.append('"LastEvaluatedKey":{"pk":{"S":"k#%d"}}' % rng.randint(0, 99))
    if rng.random() < 0.5:
        members.append('"ConsumedCapacity":{"TableName":"orders","CapacityUnits":0.5}')
    rng.shuffle(members)
    return "{" + ",".join(members) + "}"


def main():
    rng = random.Random(20261205)
    seeds = [
        b'{"Items":[],"Count":0,"ScannedCount":0}',
        b'{"Count":3,"ScannedCount":3}',
        b'{"Items":null}',
        b'{"Items":[],"Items":[]}',
        b'{"Items":[null]}',
        b'{"Items":[]} trailing',
        b'["Items"]',
        b'{"\\u0049tems":[{"a":{"S":"escaped member name"}}]}',
    ]
    seeds += [page(rng, VALUES).encode() for _ in range(70)]
    seeds += [page(rng, VALUES + REFUSED).encode() for _ in range(20)]
    inputs = [b"\x00" + s for s in seeds]
    inputs += [b"\x01" + bytes(rng.getrandbits(8) for _ in range(rng.randint(8, 300))) for _ in range(30)]
    os.makedirs(OUT, exist_ok=True)
    for data in inputs:
        with open(os.path.join(OUT, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"{len(inputs)} inputs in {OUT}")


if __name__ == "__main__":
    main()
