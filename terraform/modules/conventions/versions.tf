# Provider-free: only the project's rules (naming.json, access-levels.json) and the names they give.
terraform {
  required_version = ">= 1.5"
}
