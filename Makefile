# The two commands of the README: `make demo` and `make test`. Each sets everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
NODE_TOOLS := tests/node/node_modules/.installed
TORCH := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: demo test install browser embedder node-tools offline-pytest postgres a2a-0.3 lint linktree typecheck layers pytest bench clean

# The main job: the offline RAG assistant over interlace's own docs, on the on-device model.
RAG := examples/rag_assistant/config.yaml
demo: $(STAMP) embedder
	$(VENV)/bin/interlace ingest $(RAG) examples/rag_assistant/docs
	$(VENV)/bin/interlace run $(RAG) "How can a team share one vector store?"

test: $(STAMP) browser postgres $(NODE_TOOLS) a2a-0.3 lint typecheck layers pytest

install: $(STAMP)

# llama-cpp-python ships only as source; it compiles llama.cpp for this CPU (about 8
# minutes on 2 cores) but without AMX: llama.cpp's AMX kernels die with SIGILL where Linux
# grants AMX per thread (ggml-org/llama.cpp PR 26954). The wheel is built once per machine
# into LLAMA_WHEELS; pip's own cache is bypassed, since it may hold a build with AMX.
LLAMA := llama-cpp-python==0.3.36
LLAMA_WHEELS ?= $(HOME)/.cache/interlace/wheels/$(subst ==,-,$(LLAMA))-$(shell uname -m)-noamx
LLAMA_CFLAGS := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)

# torch first (the CPU build on these machines) so that sentence-transformers does not pull
# a multi-GB CUDA torch.
$(STAMP): pyproject.toml setup.py examples/plugin_example/pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	$(PIP) install --quiet $(TORCH)
	ls $(LLAMA_WHEELS)/*.whl >/dev/null 2>&1 || CFLAGS="$(LLAMA_CFLAGS)" \
		CXXFLAGS="$(LLAMA_CFLAGS)" $(PIP) wheel --quiet --no-cache-dir --no-deps \
		--no-binary llama-cpp-python $(LLAMA) -w $(LLAMA_WHEELS)
	$(PIP) install --quiet --force-reinstall --no-deps --find-links $(LLAMA_WHEELS) $(LLAMA)
	$(PIP) install --quiet -e '.[all,scale,dev]'
	# BFCL's data files only (its own dependencies are an eval stack we do not use)
	$(PIP) install --quiet --no-deps bfcl-eval==2026.3.23
	$(PIP) install --quiet --no-deps -e examples/plugin_example
	touch $(STAMP)

# Headless Chromium and its WebDriver for the web page's browser tests (Debian packages;
# another install may hold the dpkg lock for a while, so wait for it).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	    --no-install-recommends chromium chromium-driver; }

# Node 22, the MCP conformance suite and the MCP Inspector, pinned by tests/node's lock file
# and installed under tests/node/node_modules, so that the suite runs them with no network.
node-tools: $(NODE_TOOLS)
$(NODE_TOOLS): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

# PostgreSQL server binaries for the shared-checkpoints tests (Debian's package; the tests
# start their own throwaway cluster on 127.0.0.1).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	    --no-install-recommends postgresql; }

# The a2a-sdk 0.3 client (and its one dependency the venv lacks) in a folder of its own, so
# the A2A tests can drive the server with both SDK generations while the venv keeps 1.x.
A2A_03 := tests/.a2a-0.3/.installed
a2a-0.3: $(A2A_03)
$(A2A_03): Makefile | $(STAMP)
	rm -rf tests/.a2a-0.3
	$(PIP) install --quiet --no-deps --target tests/.a2a-0.3 a2a-sdk==0.3.26 httpx-sse==0.4.3
	touch $@

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy cannot follow setuptools' folder mapping, so it checks a tree of links named like
# the installed package (interlace/protocols -> ../../protocols, ...). TCDIR lets several
# checkouts or people check at once.
TCDIR ?= .typecheck
linktree:
	rm -rf $(TCDIR)/interlace && mkdir -p $(TCDIR)/interlace
	for f in $$(ls -d _interlace/* | grep -v __pycache__); do ln -s ../../$$f $(TCDIR)/interlace/; done
	for d in protocols runtimes tools agents; do ln -s ../../$$d $(TCDIR)/interlace/$$d; done

typecheck: linktree
	cd $(TCDIR) && ../$(VENV)/bin/mypy --config-file ../pyproject.toml -p interlace

# import-linter reads the same link tree (it cannot follow the folder mapping either).
layers: linktree
	PYTHONPATH=$(TCDIR) $(VENV)/bin/lint-imports --config pyproject.toml

# The embedder's ONNX export (once per machine, into ~/.cache/interlace), so no test pays it.
embedder: $(STAMP)
	$(PY) -m interlace.runtimes.embeddings

pytest: embedder
	$(PY) -m pytest -W error

# The suite with the network cut (only loopback, in a new network namespace): run it after
# `make test` (or install and node-tools) has set everything up.
offline-pytest: $(STAMP) $(NODE_TOOLS) a2a-0.3
	unshare -rn sh -c 'ip link set lo up && $(MAKE) --no-print-directory pytest'

bench: $(STAMP)
	for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .typecheck build *.egg-info
