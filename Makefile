# Public entry points: `make deploy` (the lab, working) and `make test` (every test).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
BIN       := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
# Lab secrets (generated on first use) live outside the repository.
export HAFRONT_LAB_SECRETS ?= $(HOME)/.local/share/hafront/lab
INVENTORY ?= inventories/lab
STAMP     := $(VENV)/.installed-$(shell cat requirements.txt | sha256sum | cut -c1-12)

.PHONY: help deploy test check down status drill drill-redis drill-zero-downtime bench host venv unit lint render molecule clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deploy: host venv ## Build the lab containers and deploy the whole stack onto them
	ansible-playbook -i $(INVENTORY) playbooks/lab_up.yml
	ansible-playbook -i $(INVENTORY) playbooks/site.yml
	ansible-playbook -i $(INVENTORY) playbooks/status.yml

# Reads the inventory and gathers facts only; put it in your CI before a deploy, e.g.
# make check INVENTORY=inventories/production.
check: venv ## Check the whole inventory (types, syntax, cross-host rules) without changing any host
	ansible-playbook -i $(INVENTORY) playbooks/check.yml

status: venv ## Show the platform: what each load balancer serves, VIPs, Redis roles
	ansible-playbook -i $(INVENTORY) playbooks/status.yml

# Options go through DRILL_ARGS, e.g. make drill DRILL_ARGS="--repeat 1 --soak 0 --faults kill,freeze".
drill: venv ## Inject load-balancer faults on the lab and report what clients saw
	python drills/lb_failover.py $(DRILL_ARGS)

# Options go through REDIS_DRILL_ARGS, e.g. make drill-redis REDIS_DRILL_ARGS="--repeat 1".
drill-redis: venv ## Kill the Redis master under write load; report write gaps and lost writes
	python drills/redis_failover.py --rerun-site $(REDIS_DRILL_ARGS)

# Options go through ZD_DRILL_ARGS, e.g. make drill-zero-downtime ZD_DRILL_ARGS="--ops kill".
drill-zero-downtime: venv ## Inventory changes, drain, rolling restart, backend kill at 500 req/s; report failures
	python drills/zero_downtime.py $(ZD_DRILL_ARGS)

# Every drill runs even when an earlier one misses a target; bench fails if any did.
# Each takes its options through its own variable, e.g. make bench DEPLOY_ARGS="--backends 3,6".
bench: venv ## All drills side by side (keepalived, HAProxy checks ours vs stock; Sentinel 500 vs 1000 ms), then the scale and deploy-time benchmarks (~75 min)
	@rc=0; \
	python drills/lb_failover.py --profiles ours,stock,unfixed --compare-repeat 2 $(DRILL_ARGS) || rc=1; \
	python drills/zero_downtime.py --profiles ours,stock $(ZD_DRILL_ARGS) || rc=1; \
	python drills/redis_failover.py --down-after 500,1000 --rerun-site $(REDIS_DRILL_ARGS) || rc=1; \
	python bench/scale.py $(SCALE_ARGS) || rc=1; \
	python bench/deploy.py $(DEPLOY_ARGS) || rc=1; \
	[ $$rc -eq 0 ] || echo "make bench: a drill missed a target (see its report in reports/)" >&2; exit $$rc

down: venv ## Remove the lab's containers and network (nothing else)
	ansible-playbook -i $(INVENTORY) playbooks/lab_down.yml

test: host venv ## Run every test: unit, lint, config checks, Molecule on containers
	$(MAKE) unit
	$(MAKE) lint
	$(MAKE) render
	$(MAKE) molecule

unit: venv ## Unit and property tests of the filter plugins
	python -m pytest -q tests/unit

lint: venv ## yamllint, ansible-lint (production profile), syntax checks, plugin docs
	yamllint --strict .
	ansible-lint --profile production
	for pb in playbooks/*.yml; do ansible-playbook -i $(INVENTORY) --syntax-check "$$pb" >/dev/null || exit 1; done
	python -m pytest -q tests/lint

render: host venv ## Render every template from the sample inventories; check with the real binaries
	python -m pytest -q tests/render

molecule: host venv ## Converge, idempotence and verify on real containers
	molecule test --all

host: ## Install podman and its settings on this machine (root)
	@bash scripts/host-setup.sh

venv: $(STAMP)
$(STAMP): requirements.txt
	@py=$$(bash scripts/find-python.sh) && { [ -x $(BIN)/python ] || $$py -m venv $(VENV); }
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

clean: down ## Remove the lab and the virtualenv
	rm -rf $(VENV)
