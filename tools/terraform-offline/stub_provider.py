"""Offline stand-in for the hashicorp/aws provider (plugin protocol 6).

It serves the provider's real schema (made by gen_schema.py) so that `terraform validate` checks
every resource argument's name, type and required-ness, and `terraform plan` renders every value
that does not depend on AWS (computed attributes become "known after apply"). It never talks to
AWS and cannot run the provider's own value validators (enums, ARN formats).

Terraform starts it as a plugin, three times per plan; the schema path comes from STUB_SCHEMA.
Building and transferring the protobuf schema of all ~2,200 resource and data source types costs
most of a second per start, so `stub_provider.py --compile TYPE...` stores once, as
STUB_SCHEMA + ".pb", the provider block and the schemas of the given types only (install.sh
passes every aws_* type the project's .tf files use). A type outside that list is refused by
Terraform as unsupported, exactly like a type the real provider does not have. The JSON is only
read when a plan needs it.
"""
import json
import os
import sys

import msgpack
import tf.provider
import tf.runner
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.types import Unknown
from tf.utils import _msgpack_default, read_dynamic_value

SCHEMA_PATH = os.environ["STUB_SCHEMA"]
_schema_json = None


def schema_json():
    global _schema_json
    if _schema_json is None:
        with open(SCHEMA_PATH) as f:
            _schema_json = json.load(f)
    return _schema_json

NESTING = {
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "single": pb.Schema.NestedBlock.SINGLE,
    "map": pb.Schema.NestedBlock.MAP,
}


def block_pb(block):
    attributes = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(a["type"]).encode(),
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
        )
        for name, a in sorted(block.get("attributes", {}).items())
        # `alias` is a Terraform meta-argument of provider blocks; declaring it clashes.
        if name != "alias"
    ]
    nested = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=block_pb(nb["block"]),
            nesting=NESTING[nb["nesting_mode"]],
            min_items=nb.get("min_items", 0),
            max_items=nb.get("max_items", 0),
        )
        for name, nb in sorted(block.get("block_types", {}).items())
    ]
    return pb.Schema.Block(version=0, attributes=attributes, block_types=nested)


def schema_pb(schema):
    return pb.Schema(version=schema.get("version", 0), block=block_pb(schema["block"]))


def dynamic_value(value):
    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_msgpack_default))


def unknown_computed(obj, block):
    """Computed attributes the configuration leaves null are unknown until apply, as with the
    real provider; otherwise Terraform would see them as known nulls."""
    for name, a in block.get("attributes", {}).items():
        if a.get("computed") and obj.get(name) is None:
            obj[name] = Unknown
    for name, nb in block.get("block_types", {}).items():
        for item in obj.get(name) or []:
            if isinstance(item, dict):
                unknown_computed(item, nb["block"])


def build_schema_response(schema, only=None):
    def wanted(types):
        return {k: v for k, v in types.items() if only is None or k in only}

    return pb.GetProviderSchema.Response(
        provider=schema_pb(schema["provider"]),
        provider_meta=pb.Schema(version=0, block=pb.Schema.Block()),
        resource_schemas={k: schema_pb(v) for k, v in wanted(schema["resource_schemas"]).items()},
        data_source_schemas={k: schema_pb(v) for k, v in wanted(schema["data_source_schemas"]).items()},
    )


def load_schema_response():
    try:
        with open(SCHEMA_PATH + ".pb", "rb") as f:
            return pb.GetProviderSchema.Response.FromString(f.read())
    except FileNotFoundError:
        return build_schema_response(schema_json())


class StandInServicer(rpc.ProviderServicer):
    def __init__(self, *_):
        self._schema = None

    def _response(self):
        if self._schema is None:
            self._schema = load_schema_response()
        return self._schema

    def GetMetadata(self, request, context):
        schema = self._response()
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in schema.resource_schemas],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in schema.data_source_schemas],
        )

    def GetProviderSchema(self, request, context):
        return self._response()

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request, context):
        return pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request, context):
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    def PlanResourceChange(self, request, context):
        planned = read_dynamic_value(request.proposed_new_state)
        creating = request.prior_state.msgpack in (b"", b"\xc0")  # msgpack nil: no prior object
        if planned is not None and creating:
            unknown_computed(planned, schema_json()["resource_schemas"][request.type_name]["block"])
        return pb.PlanResourceChange.Response(planned_state=dynamic_value(planned))

    def ReadDataSource(self, request, context):
        # The project's roots use no data sources; refuse rather than invent values.
        return pb.ReadDataSource.Response(diagnostics=[pb.Diagnostic(
            severity=pb.Diagnostic.ERROR,
            summary=f"offline stand-in cannot read data source {request.type_name}",
        )])

    def StopProvider(self, request, context):
        return pb.StopProvider.Response()


class _Name:
    def full_name(self):
        # host/hashicorp/aws, as install.sh read it from `terraform providers`
        return os.environ["STUB_ADDRESS"]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compile"]:
        types = set(sys.argv[2:])
        known = set(schema_json()["resource_schemas"]) | set(schema_json()["data_source_schemas"])
        tmp = f"{SCHEMA_PATH}.pb.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(build_schema_response(schema_json(), types or None).SerializeToString())
        print(f"stub_provider: serving {len(types & known) if types else len(known)} types"
              + (f"; unknown to aws provider: {sorted(types - known)}" if types - known else ""), file=sys.stderr)
        os.replace(tmp, SCHEMA_PATH + ".pb")
        sys.exit(0)
    tf.provider.ProviderServicer = StandInServicer  # run_provider looks it up at call time
    tf.runner.run_provider(_Name(), sys.argv)
