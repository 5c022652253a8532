# Documents: README.md, CONTRIBUTING.md and docs/ are held to the tree (tests/docs: every relative
# link reaches a file, every #anchor a heading); a stage of `make test`.
.PHONY: test-docs

test-docs: ## dead relative links and anchors in README.md, CONTRIBUTING.md and docs/
	@scripts/bootstrap.sh local-aws
	.tools/venv/bin/python -m pytest tests/docs -q -p no:cacheprovider
