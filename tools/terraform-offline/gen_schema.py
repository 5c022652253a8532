"""Rebuild the hashicorp/aws provider schema from the npm package @cdktf/provider-aws.

The real provider binary cannot be downloaded here, but cdktf's generated bindings are produced
from the provider's own `terraform providers schema -json`, so every resource's argument names,
types, required flags and nested blocks can be read back from them. The result has the shape of
`terraform providers schema -json` for one provider ({"provider", "resource_schemas",
"data_source_schemas"}); stub_provider.py serves it to Terraform.

usage: python gen_schema.py EXTRACTED_PACKAGE_DIR OUT.json
"""
import json
import os
import re
import sys

# One argument inside a `const attrs = { ... }` literal of a *ToHclTerraform function.
ARG_RE = re.compile(
    r'(\w+): \{\s*value: (.*?),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}',
    re.S,
)
HCL_FN_RE = re.compile(r"function (\w+)ToHclTerraform\(struct\) \{(.*?)\n\}", re.S)
TOP_ATTRS_RE = re.compile(r"synthesizeHclAttributes\(\) \{\s*const attrs = \{(.*?)\n        \};", re.S)
CLASS_RE = re.compile(r"class (\w+) extends cdktf\.Terraform(Resource|DataSource|Provider) \{")
TYPE_NAME_RE = re.compile(r'\.tfResourceType = "(\w+)"')
# TypeScript interfaces: the doc link names the Terraform argument, `?` marks it optional and a
# nested block typed `X` rather than `X[]` is a single block.
IFACE_RE = re.compile(r"export interface (\w+)(?: extends [\w.]+)? \{(.*?)\n\}", re.S)
IFACE_PROP_RE = re.compile(r"#(\w+) [\w]+#\w+\}\s*(?:\*[^\n]*\n\s*)*\*/\s*readonly \w+(\??): ([^;]+);")
# Read-only (computed) attributes only appear as getters of the resource class.
GETTER_RE = re.compile(r"get \w+\(\) \{\s*return this\.get(\w*)Attribute\('(\w+)'\)")

PRIMITIVE = {"string": "string", "number": "number", "boolean": "bool"}
GETTER_TYPE = {
    "String": "string", "Number": "number", "Boolean": "bool", "List": ["list", "string"],
    "StringMap": ["map", "string"], "NumberList": ["list", "number"],
    "NumberMap": ["map", "number"], "BooleanMap": ["map", "bool"],
}


def cty_type(kind, storage):
    """Terraform type expression (JSON form) of a non-block argument."""
    if kind == "simple" and storage in PRIMITIVE:
        return PRIMITIVE[storage]
    m = re.fullmatch(r"(string|number|boolean)(List|Map)", storage)
    if m:
        elem = PRIMITIVE[m.group(1)]
        if m.group(2) == "Map":
            return ["map", elem]
        return ["set" if kind == "set" else "list", elem]
    return "dynamic"  # anything exotic: accept any value rather than reject valid code


def interface_args(ifaces, name):
    """{terraform argument: (required, typescript type)} of one generated config interface."""
    body = ifaces.get(name, "")
    return {arg: (optional == "", ts_type) for arg, optional, ts_type in IFACE_PROP_RE.findall(body)}


def build_block(args_src, iface_name, fns, ifaces):
    declared = interface_args(ifaces, iface_name)
    required = {arg for arg, (req, _) in declared.items() if req}
    block = {"attributes": {}, "block_types": {}}
    for name, value, is_block, kind, storage in ARG_RE.findall(args_src):
        if is_block == "true":
            fn = re.search(r"(\w+)ToHclTerraform", value).group(1)
            sub_iface = fn[0].upper() + fn[1:]
            nested = {
                "nesting_mode": "set" if kind == "set" else "list",
                "block": build_block(fns.get(fn, ""), sub_iface, fns, ifaces),
            }
            if name in declared and "[]" not in declared[name][1]:  # a single nested block
                nested["max_items"] = 1
            if name in required:
                nested["min_items"] = 1
            block["block_types"][name] = nested
        elif name in required:
            block["attributes"][name] = {"type": cty_type(kind, storage), "required": True}
        else:
            block["attributes"][name] = {"type": cty_type(kind, storage), "optional": True, "computed": True}
    return block


def parse_binding(directory):
    """(kind, type name, schema) of one generated binding, or None for helper folders."""
    js = open(os.path.join(directory, "index.js")).read()
    dts = open(os.path.join(directory, "index.d.ts")).read()
    cls = CLASS_RE.search(js)
    if not cls:
        return None
    class_src = js[cls.start():]
    type_name = TYPE_NAME_RE.search(js)
    fns = {m.group(1): m.group(2) for m in HCL_FN_RE.finditer(js)}
    ifaces = {m.group(1): m.group(2) for m in IFACE_RE.finditer(dts)}
    top = TOP_ATTRS_RE.search(class_src)
    block = build_block(top.group(1) if top else "", cls.group(1) + "Config", fns, ifaces)
    for getter_type, attr in GETTER_RE.findall(class_src.split("synthesizeAttributes()")[0]):
        if attr not in block["attributes"] and attr not in block["block_types"]:
            block["attributes"][attr] = {"type": GETTER_TYPE.get(getter_type, "dynamic"), "computed": True}
    return cls.group(2), (type_name.group(1) if type_name else "aws"), {"version": 0, "block": block}


def main():
    package_dir, out = sys.argv[1], sys.argv[2]
    schema = {"provider": None, "resource_schemas": {}, "data_source_schemas": {}}
    lib = os.path.join(package_dir, "lib")
    for name in sorted(os.listdir(lib)):
        directory = os.path.join(lib, name)
        if not os.path.isfile(os.path.join(directory, "index.d.ts")):
            continue
        parsed = parse_binding(directory)
        if parsed is None:
            continue
        kind, type_name, s = parsed
        if kind == "Provider":
            schema["provider"] = s
        elif kind == "DataSource":
            schema["data_source_schemas"][type_name] = s
        else:
            schema["resource_schemas"][type_name] = s
    if schema["provider"] is None or "aws_iam_role" not in schema["resource_schemas"]:
        sys.exit("gen_schema: the package layout changed, no provider or aws_iam_role found")
    with open(out + ".tmp", "w") as f:
        json.dump(schema, f, sort_keys=True)
    os.replace(out + ".tmp", out)
    print(f"gen_schema: {len(schema['resource_schemas'])} resources, "
          f"{len(schema['data_source_schemas'])} data sources -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
