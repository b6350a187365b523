# `make demo`: the whole method end to end on the zoo, through the pipeline
# tools (examples/demo/demo.sh). `make paper`: the paper's evaluation,
# tables and plots in examples/paper/results/ (examples/paper/Makefile).

.PHONY: demo paper
demo: all
	sh examples/demo/demo.sh

paper: all
	$(MAKE) -C examples/paper -j2 paper
