# Included by the top Makefile: the demo and the function's integration tests (both on the local
# deployment that `terraform apply` of the project's roots builds in the emulator, local/deploy.py).
# PYTEST_ARGS passes options through, e.g. make test-integration PYTEST_ARGS='-m "not slow"'.
PYTEST_ARGS ?=

.PHONY: demo test-integration

demo: ## end to end on this machine: emulator, terraform apply of both roots, every sample event under cargo lambda watch and through the emulator's Lambda Invoke, terraform destroy
	scripts/demo.sh

test-integration: bin ## the real binary under a local Lambda Runtime API against the strict two-account emulator
	scripts/bootstrap.sh local-aws terraform
	$(CARGO) build --locked --example open_orders
	.tools/venv/bin/python -m pytest tests/integration $(PYTEST_ARGS)
