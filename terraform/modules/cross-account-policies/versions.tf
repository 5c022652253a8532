# Provider-free on purpose: only variables, locals and outputs, so the documents the tests render
# with real Terraform (terraform apply on this module alone) are the documents that get deployed.
terraform {
  required_version = ">= 1.5"
}
