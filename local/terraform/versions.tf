# Provider-free root: renders the local two-account IAM scenario from the same modules the real
# deployment uses. scripts/render-local-iam.sh applies it (local state only, no AWS calls) and
# writes `terraform output -json`, which the emulator seed turns into roles and policies.
terraform {
  required_version = ">= 1.0"
}
