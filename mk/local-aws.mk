# The strict local two-account AWS emulator (local/aws_emulator.py): STS, IAM and DynamoDB for the
# main (111111111111) and consumer (222222222222) accounts on one port, seeded with the IAM
# documents the project's Terraform renders. State of the background instance lives in .local/.
LOCAL_AWS_PORT ?= 5055
LOCAL_AWS_ENDPOINT := http://127.0.0.1:$(LOCAL_AWS_PORT)
LOCAL_AWS_PY := .tools/venv/bin/python

.PHONY: local-aws-up local-aws-down test-iam

local-aws-up: ## start the local AWS emulator in the background (port 5055), render IAM, seed -> .local/state.json
	@scripts/bootstrap.sh local-aws
	@mkdir -p .local
	@if [[ -f .local/emulator.pid ]] && kill -0 "$$(cat .local/emulator.pid)" 2>/dev/null; then \
	  echo "local-aws: already running (pid $$(cat .local/emulator.pid)); re-seeding"; \
	elif (exec 3<>/dev/tcp/127.0.0.1/$(LOCAL_AWS_PORT)) 2>/dev/null; then \
	  echo "local-aws: port $(LOCAL_AWS_PORT) is taken by another program (LOCAL_AWS_PORT=... to pick another)" >&2; exit 1; \
	else \
	  nohup $(LOCAL_AWS_PY) local/aws_emulator.py --port $(LOCAL_AWS_PORT) >.local/emulator.log 2>&1 & \
	  echo $$! >.local/emulator.pid; \
	fi
	@scripts/render-local-iam.sh .local/rendered.json
	@$(LOCAL_AWS_PY) local/seed.py --endpoint $(LOCAL_AWS_ENDPOINT) --rendered .local/rendered.json --out .local/state.json
	@kill -0 "$$(cat .local/emulator.pid)" 2>/dev/null || \
	  { echo "local-aws: the emulator exited (port $(LOCAL_AWS_PORT) taken?), see .local/emulator.log" >&2; exit 1; }
	@echo "local-aws: $(LOCAL_AWS_ENDPOINT) (pid $$(cat .local/emulator.pid), log .local/emulator.log, state .local/state.json)"

local-aws-down: ## stop the background emulator started by local-aws-up
	@if [[ -f .local/emulator.pid ]]; then \
	  pid="$$(cat .local/emulator.pid)"; \
	  if kill "$$pid" 2>/dev/null; then \
	    for _ in $$(seq 50); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	    echo "local-aws: stopped pid $$pid"; \
	  fi; \
	  rm -f .local/emulator.pid; \
	else echo "local-aws: not running"; fi

test-iam: ## the IAM allow/deny matrix, trust cases and emulator checks (own emulator on a free port)
	@scripts/bootstrap.sh local-aws
	@$(LOCAL_AWS_PY) -m pytest tests/iam -q -p no:cacheprovider
