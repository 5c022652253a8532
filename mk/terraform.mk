# Terraform targets, included by the top-level Makefile.
# tf-check          the Terraform with the real provider: fmt, both roots applied into the strict
#                   emulator (dev, stage, prod), module plans, validate, checkov, policy lint, READMEs
# tf-deploy-*       the real two-account flow (needs AWS credentials of each account; see
#                   terraform/README.md). ENV=dev|stage|prod, MAIN_PROFILE / CONSUMER_PROFILE name
#                   the AWS CLI profiles of the two accounts; TF is the terraform binary to use;
#                   S3_BACKEND=1 once the backend "s3" block in versions.tf is uncommented.

ENV ?= dev
TF ?= terraform
# Every terraform run of the project (recipes, scripts, tests) uses the CLI configuration that
# scripts/bootstrap.sh terraform writes: the provider mirror when there is one, the registry otherwise.
export TF_CLI_CONFIG_FILE := $(CURDIR)/.tools/terraformrc
export CHECKPOINT_DISABLE := 1
TF_INIT_BACKEND = $(if $(S3_BACKEND),-backend-config=envs/$(ENV).s3.tfbackend)
LAMBDA_ZIP := target/lambda/ddb-cross-account-reader/bootstrap.zip

.PHONY: tf-check tf-docs tf-fmt tf-build-zip tf-deploy-consumer tf-deploy-main tf-invoke

# The function binary: the access_mode "both" scenario runs it against what Terraform applied.
tf-check: bin ## Terraform checks with the real provider: fmt, applies into the emulator, plans, validate, checkov, policy lint
	scripts/tf-check.sh

tf-docs: ## rewrite the Inputs/Outputs tables of every Terraform README from the code
	scripts/bootstrap.sh terraform
	.tools/tf-docs-venv/bin/python scripts/tf-docs.py

tf-fmt: ## terraform fmt every .tf file
	scripts/bootstrap.sh terraform
	$(TF) fmt -recursive terraform

tf-build-zip: zip

tf-deploy-consumer: ## real AWS: apply the consumer root (ENV=dev|stage|prod, CONSUMER_PROFILE=...)
	scripts/bootstrap.sh terraform
	cd terraform/consumer-account && AWS_PROFILE=$(CONSUMER_PROFILE) $(TF) init $(TF_INIT_BACKEND) && \
	  AWS_PROFILE=$(CONSUMER_PROFILE) $(TF) apply -var-file=envs/$(ENV).tfvars

tf-deploy-main: ## real AWS: apply the main root (ENV=..., MAIN_PROFILE=...)
	scripts/bootstrap.sh terraform
	cd terraform/main-account && AWS_PROFILE=$(MAIN_PROFILE) $(TF) init $(TF_INIT_BACKEND) && \
	  AWS_PROFILE=$(MAIN_PROFILE) $(TF) apply -var-file=envs/$(ENV).tfvars

tf-invoke: ## real AWS: invoke the deployed function once (a count of orders)
	AWS_PROFILE=$(CONSUMER_PROFILE) aws lambda invoke --function-name $(ENV)-ddb-cross-account-reader \
	  --cli-binary-format raw-in-base64-out --payload '{"op":"scan","table":"orders","select":"count"}' /dev/stdout
