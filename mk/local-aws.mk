# The local deployment: the strict two-account AWS emulator (local/aws_emulator.py; main account
# 111111111111, consumer account 222222222222, one port) with the project's Terraform roots
# applied into it by local/deploy.py (terraform/consumer-account, then terraform/main-account,
# envs/local.tfvars). State of the background instance lives in .local/ (emulator.pid, aws/).
LOCAL_AWS_PORT ?= 5055
LOCAL_AWS_ENDPOINT := http://127.0.0.1:$(LOCAL_AWS_PORT)
LOCAL_AWS_PY := .tools/venv/bin/python
LOCAL_AWS_DIR := .local/aws

.PHONY: local-aws-up local-aws-destroy local-aws-down test-iam

local-aws-up: bin ## start the emulator in the background (port 5055) and terraform apply both roots into it -> .local/aws/
	@scripts/bootstrap.sh local-aws terraform
	@mkdir -p .local
	@if [[ -f .local/emulator.pid ]] && kill -0 "$$(cat .local/emulator.pid)" 2>/dev/null; then \
	  echo "local-aws: already running (pid $$(cat .local/emulator.pid)); deploying afresh"; \
	elif (exec 3<>/dev/tcp/127.0.0.1/$(LOCAL_AWS_PORT)) 2>/dev/null; then \
	  echo "local-aws: port $(LOCAL_AWS_PORT) is taken by another program (LOCAL_AWS_PORT=... to pick another)" >&2; exit 1; \
	else \
	  nohup $(LOCAL_AWS_PY) local/aws_emulator.py --port $(LOCAL_AWS_PORT) >.local/emulator.log 2>&1 & \
	  echo $$! >.local/emulator.pid; \
	fi
	@$(LOCAL_AWS_PY) local/deploy.py up --endpoint $(LOCAL_AWS_ENDPOINT) --workdir $(LOCAL_AWS_DIR)
	@$(LOCAL_AWS_PY) local/deploy.py env --workdir $(LOCAL_AWS_DIR) >$(LOCAL_AWS_DIR)/function.env
	@kill -0 "$$(cat .local/emulator.pid)" 2>/dev/null || \
	  { echo "local-aws: the emulator exited (port $(LOCAL_AWS_PORT) taken?), see .local/emulator.log" >&2; exit 1; }
	@echo "local-aws: $(LOCAL_AWS_ENDPOINT) (pid $$(cat .local/emulator.pid), log .local/emulator.log)"
	@echo "local-aws: state $(LOCAL_AWS_DIR)/state.json, AWS profiles local-main / local-consumer in $(LOCAL_AWS_DIR)/aws/credentials"
	@echo "local-aws: the deployed function's environment: $(LOCAL_AWS_DIR)/function.env (cargo lambda watch --env-file ...)"

local-aws-destroy: ## terraform destroy of the local deployment (main-account roots, then consumer-account)
	@if [[ -f $(LOCAL_AWS_DIR)/state.json && -f .local/emulator.pid ]] && kill -0 "$$(cat .local/emulator.pid)" 2>/dev/null; then \
	  $(LOCAL_AWS_PY) local/deploy.py destroy --workdir $(LOCAL_AWS_DIR); \
	else echo "local-aws: nothing deployed (no running emulator with $(LOCAL_AWS_DIR)/state.json)"; fi

local-aws-down: local-aws-destroy ## terraform destroy, then stop the background emulator started by local-aws-up
	@if [[ -f .local/emulator.pid ]]; then \
	  pid="$$(cat .local/emulator.pid)"; \
	  if kill "$$pid" 2>/dev/null; then \
	    for _ in $$(seq 50); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	    echo "local-aws: stopped pid $$pid"; \
	  fi; \
	  rm -f .local/emulator.pid; \
	else echo "local-aws: not running"; fi

# The deployment's zip is made from the debug binary, so the suite builds it (a no-op when current).
test-iam: bin ## the IAM allow/deny matrix, trust cases and emulator checks on the IAM Terraform applied (own emulator)
	@scripts/bootstrap.sh local-aws terraform
	@$(LOCAL_AWS_PY) -m pytest tests/iam -q -p no:cacheprovider
