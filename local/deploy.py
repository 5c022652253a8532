"""The local deployment: the project's own Terraform roots applied into the two-account emulator.

What `make demo`, `make local-aws-up` and the IAM, integration and reliability suites stand on. Into
a running emulator (local/aws_emulator.py), step by step:

  1. deployer credentials: in each account an IAM user with an access key (the stand-in for an
     administrator's credentials), written as AWS profiles local-main / local-consumer into
     WORKDIR/aws/credentials. The emulator maps an access key to the account that owns it, so each
     root's provider `allowed_account_ids` is checked exactly as in AWS;
  2. the function zip, from the debug binary (.local/lambda/bootstrap.zip, x86_64, rebuilt when the
     binary changes): the demo and the tests run the binary itself under a local Runtime API, the
     zip is what Lambda stores;
  3. `terraform apply` of terraform/consumer-account (envs/local.tfvars), then of
     terraform/main-account (envs/local.tfvars, trust_mode "principal": the execution role must
     exist first) and of terraform/main-account again with envs/local-account-trust.tfvars (the
     "account" trust form, its own state). Terraform runs on a copy of terraform/ in WORKDIR, so
     nothing (state, lock file, .terraform) is written into the repository;
  4. the tables and their data (local/seed.py), as the main account's deployer;
  5. the function's configuration read back from Lambda (get_function_configuration), and
     Lambda-like credentials of the execution role Terraform created (the emulator issues them
     only when the role trusts lambda.amazonaws.com).

Everything the tests and the demo need is in WORKDIR/state.json (see `deploy()`).

    python local/deploy.py up --endpoint http://127.0.0.1:5055 --workdir .local/aws
    python local/deploy.py env --workdir .local/aws        # the function's environment, KEY='value' lines
    python local/deploy.py summary --workdir .local/aws    # what was deployed (from the Terraform states)
    python local/deploy.py destroy --workdir .local/aws    # terraform destroy, main roots first
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

try:  # imported as local.deploy (tests put the repository root on sys.path)
    from . import seed
except ImportError:  # run as a script, local/ itself on sys.path
    import seed

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM_DIR = ROOT / "terraform"
NAMING_FILE = TERRAFORM_DIR / "modules" / "conventions" / "naming.json"
# What terraform/consumer-account/envs/local.tfvars' zip_path names (deploy passes it absolute,
# because Terraform runs on a copy of the roots).
LAMBDA_ZIP = ROOT / ".local" / "lambda" / "bootstrap.zip"

# The emulator's two accounts and region; terraform/*/envs/local*.tfvars name the same ids (the
# providers' allowed_account_ids refuses the apply if they ever differ).
MAIN_ACCOUNT = "111111111111"
CONSUMER_ACCOUNT = "222222222222"
REGION = "us-east-1"
ENVIRONMENT = "local"  # `environment` of the local tfvars
PROFILES = {MAIN_ACCOUNT: "local-main", CONSUMER_ACCOUNT: "local-consumer"}
DEPLOYER = "local-deployer"
# Lambda's execution-role credentials last hours; 12 h outlives any test session or demo.
LAMBDA_CREDENTIALS_SECONDS = 43200

# (name, root, tfvars files, account): applied in this order, destroyed in reverse.
DEPLOYMENTS = [
    ("consumer", "consumer-account", ["envs/local.tfvars"], CONSUMER_ACCOUNT),
    ("main", "main-account", ["envs/local.tfvars"], MAIN_ACCOUNT),
    ("main_account_trust", "main-account", ["envs/local-account-trust.tfvars"], MAIN_ACCOUNT),
]


# Applied on top of the local deployment by the IAM suite alone (its resource-policy matrix): a
# consumer environment in access mode resource_policy, then the main account's table policies for it
# and one naming another principal, after local/seed.py made the tables (a table policy needs its table).
RESOURCE_POLICY_DEPLOYMENTS = [
    ("consumer_resource_policy", "consumer-account", ["envs/local-resource-policy.tfvars"], CONSUMER_ACCOUNT),
    ("main_resource_policy", "main-account", ["envs/local-resource-policy.tfvars"], MAIN_ACCOUNT),
    ("main_other_principal", "main-account", ["envs/local-other-principal.tfvars"], MAIN_ACCOUNT),
]

class DeployError(RuntimeError):
    pass


# ---- names ----------------------------------------------------------------------------------

def naming() -> dict:
    return json.loads(NAMING_FILE.read_text())


def conventional_name(rule: str, environment: str = ENVIRONMENT, consumer_account_id: str = CONSUMER_ACCOUNT) -> str:
    """A name from the project's naming rules (terraform/modules/conventions/naming.json)."""
    return naming()[rule].format(environment=environment, consumer_account_id=consumer_account_id)


# ---- emulator plumbing ----------------------------------------------------------------------

def local_api(endpoint: str, path: str, body: dict | bytes | None = None):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request(endpoint + path, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json" if isinstance(body, dict) else "text/plain"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def wait_ready(endpoint: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            local_api(endpoint, "/_local/stats")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise DeployError(f"emulator at {endpoint} not ready after {timeout:.0f}s")
            time.sleep(0.1)


def set_auth(endpoint: str, enabled: bool) -> None:
    """moto's switch: `0` = every request is authenticated and authorized, `inf` = none is."""
    local_api(endpoint, "/moto-api/reset-auth", b"0" if enabled else b"inf")


def client(service: str, endpoint: str, creds: dict, region_name: str = None, **config):
    return boto3.client(service, endpoint_url=endpoint, region_name=region_name or REGION,
                        aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
                        aws_session_token=creds.get("session_token"),
                        config=Config(retries={"max_attempts": 2}, **config))


# ---- 1. deployer credentials ----------------------------------------------------------------

def create_deployers(endpoint: str) -> dict[str, dict]:
    """One administrator user + access key per account, created with auth off (the emulator starts
    empty: there is no identity yet to authorize the first one). The x-moto-account-id header picks
    the account for these bootstrap calls only."""
    out = {}
    for account in (MAIN_ACCOUNT, CONSUMER_ACCOUNT):
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION,
                           aws_access_key_id="AKIDLOCALBOOTSTRAP00", aws_secret_access_key="bootstrap")
        iam.meta.events.register("before-sign.*.*", lambda request, account=account, **_:
                                 request.headers.__setitem__("x-moto-account-id", account))
        iam.create_user(UserName=DEPLOYER)
        # What a real deployer has (AdministratorAccess); the project's own policies are least privilege.
        iam.put_user_policy(UserName=DEPLOYER, PolicyName="administrator", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=DEPLOYER)["AccessKey"]
        out[account] = {"arn": f"arn:aws:iam::{account}:user/{DEPLOYER}", "profile": PROFILES[account],
                        "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
    return out


def write_aws_config(workdir: Path, deployers: dict) -> tuple[Path, Path]:
    aws_dir = workdir / "aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    credentials, config = aws_dir / "credentials", aws_dir / "config"
    credentials.write_text("".join(
        f"[{d['profile']}]\naws_access_key_id = {d['access_key_id']}\naws_secret_access_key = {d['secret_access_key']}\n\n"
        for d in deployers.values()))
    credentials.chmod(0o600)
    config.write_text("".join(f"[profile {d['profile']}]\nregion = {REGION}\n\n" for d in deployers.values()))
    return credentials, config


# ---- 2. the function zip --------------------------------------------------------------------

def debug_binary() -> Path:
    return Path(os.environ.get("DDB_READER_BIN", ROOT / "target" / "debug" / "ddb-cross-account-reader"))


def build_zip(binary: Path, out: Path) -> Path:
    """bootstrap.zip holding the binary as `bootstrap`; fixed timestamps, so the same binary gives
    the same zip (and Terraform's source_code_hash does not change between runs)."""
    if not binary.is_file():
        raise DeployError(f"function binary {binary} not found: build it with `cargo build --locked` (or set DDB_READER_BIN)")
    if out.exists() and out.stat().st_mtime >= binary.stat().st_mtime:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")  # concurrent deployments each write their own
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(tmp, "w") as z, open(binary, "rb") as f:
        z.writestr(info, f.read(), compresslevel=1)
    tmp.replace(out)
    return out


# ---- 3. terraform ---------------------------------------------------------------------------

def terraform_env(endpoint: str, credentials: Path, config: Path, account: str, tf_data_dir: Path) -> dict:
    cli_config = ROOT / ".tools" / "terraformrc"
    if not cli_config.is_file():
        raise DeployError(f"{cli_config} is missing: run scripts/bootstrap.sh terraform "
                          "(it checks Terraform >= 1.5 and chooses the provider mirror or the registry)")
    if shutil.which("terraform") is None:
        raise DeployError("terraform not found on PATH: install Terraform >= 1.5 (see README, Prerequisites)")
    # Nothing from the caller's AWS setup may leak in (a stray AWS_PROFILE or endpoint variable).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({
        "AWS_ENDPOINT_URL": endpoint, "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_CONFIG_FILE": str(config), "AWS_PROFILE": PROFILES[account], "AWS_EC2_METADATA_DISABLED": "true",
        # The export bucket: one endpoint for every service, so S3 is addressed by path.
        "AWS_S3_USE_PATH_STYLE": "true",
        "TF_CLI_CONFIG_FILE": str(cli_config), "TF_DATA_DIR": str(tf_data_dir), "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
        # One copy of the (large) provider for every local deployment: later inits link to it.
        "TF_PLUGIN_CACHE_DIR": str(ROOT / ".tools" / "terraform-plugin-cache"),
        # The copied roots carry no lock file of their own; without this Terraform would not use the cache.
        "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true",
    })
    (ROOT / ".tools" / "terraform-plugin-cache").mkdir(parents=True, exist_ok=True)
    return env


def copy_roots(workdir: Path) -> Path:
    """terraform/ into WORKDIR (without any .terraform dir or state): Terraform's state, lock file
    and data dirs then stay out of the repository, and runs in different workdirs never share any."""
    dest = workdir / "terraform"
    shutil.copytree(TERRAFORM_DIR, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup", "*.md"))
    return dest


class Terraform:
    """One deployment of a root: its own state file and data dir in WORKDIR."""

    def __init__(self, name: str, root_dir: Path, var_files: list[str], env: dict, log_dir: Path,
                 extra_vars: dict | None = None):
        self.name, self.dir, self.env, self.log_dir = name, root_dir, env, log_dir
        self.state = root_dir / f"{name}.tfstate"
        self.args = [f"-var-file={f}" for f in var_files] + [f"-var={k}={v}" for k, v in (extra_vars or {}).items()]

    def run(self, *args: str, step: str) -> str:
        log = self.log_dir / f"terraform-{self.name}-{step}.log"
        p = subprocess.run(["terraform", *args], cwd=self.dir, env=self.env, capture_output=True, text=True)
        log.write_text(p.stdout + p.stderr)
        if p.returncode != 0:
            raise DeployError(f"terraform {step} of {self.name} ({self.dir.name}) failed, log {log}:\n"
                              + (p.stderr or p.stdout)[-4000:])
        return p.stdout

    def init(self) -> None:
        self.run("init", "-no-color", "-input=false", "-backend=true", step="init")

    def apply(self) -> dict:
        self.run("apply", "-no-color", "-input=false", "-auto-approve", f"-state={self.state}", *self.args, step="apply")
        return self.outputs()

    def outputs(self) -> dict:
        out = self.run("output", "-no-color", "-json", f"-state={self.state}", step="output")
        return {k: v["value"] for k, v in json.loads(out).items()}

    def destroy(self) -> None:
        if self.state.exists():
            self.run("destroy", "-no-color", "-input=false", "-auto-approve", f"-state={self.state}", *self.args,
                     step="destroy")


def deployments(workdir: Path, endpoint: str, credentials: Path, config: Path, zip_path: Path,
                specs: list = DEPLOYMENTS) -> list[Terraform]:
    roots = copy_roots(workdir)
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out = []
    for name, root, var_files, account in specs:
        env = terraform_env(endpoint, credentials, config, account, workdir / "tf-data" / name)
        extra = {"zip_path": str(zip_path)} if root == "consumer-account" else None
        out.append(Terraform(name, roots / root, var_files, env, logs, extra))
    return out


# ---- 5. the deployed function ---------------------------------------------------------------

def deployed_function(endpoint: str, consumer_deployer: dict, function_name: str) -> dict:
    """The function as Lambda stores it, and the credentials Lambda would hand it."""
    lam = client("lambda", endpoint, consumer_deployer)
    cfg = lam.get_function_configuration(FunctionName=function_name)
    creds = local_api(endpoint, f"/_local/lambda/{CONSUMER_ACCOUNT}/{REGION}/{function_name}/credentials",
                      {"duration": LAMBDA_CREDENTIALS_SECONDS})
    return {
        "name": cfg["FunctionName"], "arn": cfg["FunctionArn"], "role_arn": cfg["Role"],
        "runtime": cfg.get("Runtime"), "architectures": cfg.get("Architectures"), "memory_size": cfg.get("MemorySize"),
        "timeout": cfg.get("Timeout"), "environment": (cfg.get("Environment") or {}).get("Variables", {}),
        "logging_config": cfg.get("LoggingConfig"),
        "credentials": {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"],
                        "session_token": creds["SessionToken"], "expiration": creds["Expiration"]},
    }


def lambda_environment(state: dict, credentials: dict | None = None) -> dict[str, str]:
    """The environment Lambda gives the deployed function: the variables Terraform set, the ones
    Lambda derives from its logging_config (AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL) and from
    its configuration (name, memory), the execution role's credentials, the region, and (local
    only) the endpoint standing in for AWS."""
    fn = state["function"]
    creds = credentials or fn["credentials"]
    env = dict(fn["environment"])
    logging_config = fn.get("logging_config") or {}
    if logging_config.get("LogFormat"):
        env["AWS_LAMBDA_LOG_FORMAT"] = logging_config["LogFormat"]
        # Lambda applies the level controls only to JSON logs.
        if logging_config["LogFormat"] == "JSON" and logging_config.get("ApplicationLogLevel"):
            env["AWS_LAMBDA_LOG_LEVEL"] = logging_config["ApplicationLogLevel"]
    env.update({"AWS_LAMBDA_FUNCTION_NAME": fn["name"], "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn["memory_size"]),
                "AWS_ACCESS_KEY_ID": creds["access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
                "AWS_SESSION_TOKEN": creds["session_token"], "AWS_REGION": state["region"],
                "AWS_DEFAULT_REGION": state["region"], "AWS_ENDPOINT_URL": state["endpoint"]})
    return env


# ---- the whole deployment -------------------------------------------------------------------

def deploy(endpoint: str, workdir: Path, binary: Path | None = None, log=print) -> dict:
    """Steps 1-5 of the module docstring into a fresh emulator; returns (and writes) the state."""
    endpoint = endpoint.rstrip("/")
    workdir = workdir.resolve()  # Terraform runs in the roots' copy: every path it is given is absolute
    workdir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def timed(name, fn, *args):
        started = time.monotonic()
        result = fn(*args)
        timings[name] = round(time.monotonic() - started, 2)
        return result

    wait_ready(endpoint)
    set_auth(endpoint, False)
    local_api(endpoint, "/moto-api/reset", b"")
    # A fresh emulator: states and roots of an earlier deployment in this workdir describe nothing.
    shutil.rmtree(workdir / "terraform", ignore_errors=True)
    deployers = timed("deployers", create_deployers, endpoint)
    set_auth(endpoint, True)  # from here on every request is authenticated and authorized
    credentials, config = write_aws_config(workdir, deployers)
    zip_path = timed("zip", build_zip, binary or debug_binary(), LAMBDA_ZIP)

    consumer, main, account_trust = deployments(workdir, endpoint, credentials, config, zip_path)
    log(f"deploy: terraform init + apply (consumer, then main; logs in {workdir / 'logs'})")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:  # inits are independent
        list(pool.map(lambda t: t.init(), (consumer, main, account_trust)))
    timings["init"] = round(time.monotonic() - started, 2)
    outputs = {"consumer": timed("apply_consumer", consumer.apply)}
    # The two main-account deployments are independent of each other (both need the consumer's role).
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        main_out, trust_out = pool.map(lambda t: t.apply(), (main, account_trust))
        timings["apply_main"] = round(time.monotonic() - started, 2)
    outputs.update(main=main_out, main_account_trust=trust_out)

    main_deployer = deployers[MAIN_ACCOUNT]
    tables = timed("seed", seed.create_tables, client("dynamodb", endpoint, main_deployer, max_pool_connections=8),
                   main_out.get("demo_kms_key_arns"))
    other_region = timed("seed_other_region", seed.create_other_region_tables,
                         client("dynamodb", endpoint, main_deployer, region_name=seed.OTHER_REGION))
    function = timed("function", deployed_function, endpoint, deployers[CONSUMER_ACCOUNT],
                     outputs["consumer"]["function_name"])

    roles = {
        main_out["role_name"]: main_out["role_arn"],
        trust_out["role_name"]: trust_out["role_arn"],
        function["role_arn"].rsplit("/", 1)[1]: function["role_arn"],
    }
    state = {
        "endpoint": endpoint, "region": REGION, "environment": ENVIRONMENT,
        "accounts": {"main": MAIN_ACCOUNT, "consumer": CONSUMER_ACCOUNT},
        "aws_credentials_file": str(credentials), "aws_config_file": str(config),
        "admins": deployers, "terraform": outputs, "roles": roles, "function": function,
        "external_id": function["environment"].get("EXTERNAL_ID"), "tables": tables,
        "other_region": {"region": seed.OTHER_REGION, "tables": other_region}, "timings": timings,
    }
    check_names(state)
    local_api(endpoint, "/_local/stats/reset", b"")
    (workdir / "state.json").write_text(json.dumps(state, indent=2) + "\n")
    return state


def apply_resource_policy_mode(state: dict, workdir: Path) -> dict:
    """RESOURCE_POLICY_DEPLOYMENTS into the emulator holding `state` (the local deployment, its
    tables seeded): the consumer root first (the table policies name its execution role, which must
    exist), then both main-root deployments side by side. Returns their outputs by name, the
    localrp function as Lambda stores it (with its execution role's Lambda credentials) and timings."""
    workdir = workdir.resolve()
    credentials, config = Path(state["aws_credentials_file"]), Path(state["aws_config_file"])
    consumer, main, other = deployments(workdir, state["endpoint"], credentials, config, LAMBDA_ZIP,
                                        RESOURCE_POLICY_DEPLOYMENTS)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda t: t.init(), (consumer, main, other)))
    outputs = {consumer.name: consumer.apply()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for t, out in zip((main, other), pool.map(lambda t: t.apply(), (main, other))):
            outputs[t.name] = out
    function = deployed_function(state["endpoint"], state["admins"][CONSUMER_ACCOUNT],
                                 outputs[consumer.name]["function_name"])
    return {"terraform": outputs, "function": function, "seconds": round(time.monotonic() - started, 1)}


def check_names(state: dict) -> None:
    """What Terraform applied must be what the naming rules say (the tests and the demo rely on it)."""
    expected = {
        "cross-account role": (conventional_name("cross_account_role_name"), state["terraform"]["main"]["role_name"]),
        "function": (conventional_name("function_name"), state["function"]["name"]),
        "execution role": (conventional_name("execution_role_name"), state["function"]["role_arn"].rsplit("/", 1)[1]),
    }
    wrong = [f"{what}: applied {got!r}, naming.json says {want!r}" for what, (want, got) in expected.items() if want != got]
    if wrong:
        raise DeployError("the local deployment does not follow the naming rules: " + "; ".join(wrong))


def destroy(workdir: Path, log=print) -> None:
    workdir = workdir.resolve()
    state = json.loads((workdir / "state.json").read_text())
    credentials, config = Path(state["aws_credentials_file"]), Path(state["aws_config_file"])
    for t in reversed(deployments(workdir, state["endpoint"], credentials, config, LAMBDA_ZIP)):
        log(f"deploy: terraform destroy {t.name}")
        t.destroy()


def resources(workdir: Path) -> dict[str, list[dict]]:
    """{deployment: [{address, id}]} read from each Terraform state of the workdir."""
    out = {}
    for name, root, _, _ in DEPLOYMENTS:
        state_file = workdir / "terraform" / root / f"{name}.tfstate"
        if not state_file.exists():
            continue
        rows = []
        for r in json.loads(state_file.read_text()).get("resources", []):
            if r.get("mode") != "managed":
                continue
            for inst in r["instances"]:
                key = inst.get("index_key")
                address = ".".join(filter(None, [r.get("module"), f"{r['type']}.{r['name']}"]))
                address += f"[{json.dumps(key)}]" if key is not None else ""
                attrs = inst.get("attributes", {})
                rows.append({"address": address, "type": r["type"],
                             "id": attrs.get("arn") or attrs.get("name") or attrs.get("id")})
        out[name] = rows
    return out


def summary(workdir: Path) -> str:
    state = json.loads((workdir / "state.json").read_text())
    lines, applied = [], resources(workdir)
    for name, root, var_files, account in DEPLOYMENTS:
        rows = applied.get(name, [])
        lines.append(f"{root} ({', '.join(var_files)}; profile {PROFILES[account]}, account {account}): "
                     f"{len(rows)} resources")
        lines += [f"  {r['address']:<62} {r['id']}" for r in rows]
    fn = state["function"]
    lines.append(f"function {fn['name']}: {fn['runtime']} {'/'.join(fn['architectures'] or [])}, "
                 f"role {fn['role_arn']}, environment {json.dumps(fn['environment'])}, "
                 f"logging {json.dumps(fn['logging_config'])}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "env", "summary", "destroy"])
    parser.add_argument("--endpoint", help="emulator URL (up)")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".local" / "aws")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            if not args.endpoint:
                parser.error("up needs --endpoint")
            started = time.monotonic()
            state = deploy(args.endpoint, args.workdir, log=lambda m: print(m, file=sys.stderr))
            counts = ", ".join(f"{t}={v['item_count']}" for t, v in state["tables"].items())
            print(f"deploy: {len(state['roles'])} roles, function {state['function']['name']}, tables {counts}, "
                  f"in {time.monotonic() - started:.1f}s ({state['timings']}) -> {args.workdir / 'state.json'}",
                  file=sys.stderr)
        elif args.command == "summary":
            print(summary(args.workdir))
        elif args.command == "env":
            state = json.loads((args.workdir / "state.json").read_text())
            env = lambda_environment(state)
            # Single-quoted: cargo-lambda's dotenv parser rejects some unquoted session tokens.
            if any("'" in v for v in env.values()):
                raise DeployError("a value of the function's environment contains a single quote")
            print("\n".join(f"{k}='{v}'" for k, v in env.items()))
        else:
            destroy(args.workdir, log=lambda m: print(m, file=sys.stderr))
    except DeployError as e:
        sys.exit(f"deploy: {e}")


if __name__ == "__main__":
    main()
