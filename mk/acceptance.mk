# The acceptance run (scripts/acceptance.py, docs/acceptance.md): both Terraform roots applied under
# a throwaway environment name, the deployed function invoked through Lambda Invoke with portable
# checks, everything destroyed and proved gone. Without MAIN_PROFILE / CONSUMER_PROFILE: against
# its own local emulator (the debug build zipped). With them (and ACCEPTANCE_CONFIRM=yes): against
# two real accounts (`make zip`, the arm64 release build).
.PHONY: acceptance

acceptance: ## deploy, invoke through Lambda, destroy: local emulator, or MAIN_PROFILE/CONSUMER_PROFILE real accounts
	@scripts/bootstrap.sh local-aws terraform
	@if [[ -z "$${MAIN_PROFILE:-}$${CONSUMER_PROFILE:-}" ]]; then CARGO=$(CARGO) scripts/shipped-bin.sh; fi
	.tools/venv/bin/python scripts/acceptance.py
