#!/usr/bin/env bats
# share/mph/k8s/probe against a stand-in kubectl (tests/k8s/kubectl) that
# records the manifests it is given and answers, fails or hangs as a cluster
# would ($KUBECTL_MODE). No cluster is needed: what is tested is the probe's
# logic, its manifests and its cleanup.

load helper

PROBE="$SHARE/k8s/probe"

setup() {
	cd "$BATS_TEST_TMPDIR"
	export KUBECTL_DIR="$BATS_TEST_TMPDIR/kube"
	mkdir -p "$KUBECTL_DIR"
	PATH="$MPH_ROOT/tests/k8s:$PATH"
	unset KUBECTL_MODE MPH_TRIAL
	printf 'cpu,mem_gb,gpus,batch\n2,4.5,1,8\n' > configs.csv
}

teardown() {
	# A stand-in left hanging must not outlive its test.
	[ -f "$KUBECTL_DIR/wait.pid" ] && kill "$(cat "$KUBECTL_DIR/wait.pid")" 2>/dev/null || true
}

# The trial's name, as the probe applied it.
trial_name() { sed -n 's/^  name: "\(.*\)"$/\1/p' "$KUBECTL_DIR/apply-1.yaml" | head -1; }
deleted() { # the last kubectl call deleted everything of trial $1
	assert_equal "$(tail -1 "$KUBECTL_DIR/calls")" \
		"-n default delete deployment,service,job -l mph-trial=$1 --ignore-not-found --wait=false"
}
# The probe run by hand with the environment mph-probe would give it.
probe_env() { env MPH_CONFIG_HEADER=cpu,mem_gb,gpus,batch MPH_CPU=2 MPH_MEM_GB=4.5 MPH_GPUS=1 MPH_BATCH=8 "$@"; }

@test "k8s: a trial's CPU, memory and GPU reach the manifests, its result comes back from the Job's log, and everything is deleted" {
	run --separate-stderr mph-probe --exec "exec '$PROBE' --image reg.example/srv:1.2 --cpu cpu --memory mem_gb --gpu gpus --poll 1" configs.csv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | cut -d, -f1-11)" "cpu,mem_gb,gpus,batch,rps,p50_ms,p90_ms,p99_ms,p999_ms,error_rate,status
2,4.5,1,8,1997.4,7.2,13.1,25.2,,0.0005,ok"
	name=$(trial_name)
	assert_regex "$name" '^mph-[0-9]+-[0-9a-f]{6}$'
	assert_equal "$(sed -n '/^        resources:/,/^        readinessProbe:/p' "$KUBECTL_DIR/apply-1.yaml")" '        resources:
          requests:
            cpu: "2"
            memory: "4.5Gi"
            nvidia.com/gpu: "1"
          limits:
            cpu: "2"
            memory: "4.5Gi"
            nvidia.com/gpu: "1"
        readinessProbe:'
	# Every knob reaches the server as a variable (the batch size here).
	assert_equal "$(grep -A1 '"MPH_BATCH"' "$KUBECTL_DIR/apply-1.yaml")" '        - name: "MPH_BATCH"
          value: "8"'
	# The Service selects the server's pods only, never the load test's.
	assert_equal "$(sed -n '/^kind: Service/,$p' "$KUBECTL_DIR/apply-1.yaml" | sed -n '/^  selector:/,/^  ports:/p')" "  selector:
    mph-trial: \"$name\"
    mph-role: server
  ports:"
	assert_equal "$(grep '^kind:' "$KUBECTL_DIR"/apply-*.yaml | cut -d: -f2-)" 'kind: Deployment
kind: Service
kind: Job'
	assert_equal "$(grep 'args:' "$KUBECTL_DIR/apply-2.yaml")" \
		"        args: [\"-z\", \"30s\", \"-c\", \"16\", \"http://$name.default.svc:8080/\"]"
	assert_equal "$(cut -d' ' -f3 "$KUBECTL_DIR/calls" | paste -sd' ')" 'apply wait apply get logs delete'
	deleted "$name"
}

@test "k8s: whole GPUs, MIG profiles and time-sliced shares map onto their resource names" {
	probe_env MPH_GPUS=2 "$PROBE" --image srv --gpu gpus --poll 1 > /dev/null
	assert_equal "$(grep -c '^            nvidia.com/gpu: "2"$' "$KUBECTL_DIR/apply-1.yaml")" 2
	rm "$KUBECTL_DIR"/apply-*
	probe_env MPH_GPUS=3g.20gb "$PROBE" --image srv --gpu gpus --gpu-mode mig --poll 1 > /dev/null
	assert_equal "$(grep -c '^            nvidia.com/mig-3g.20gb: "1"$' "$KUBECTL_DIR/apply-1.yaml")" 2
	rm "$KUBECTL_DIR"/apply-*
	# A 0.3 share of a GPU advertised as 4 replicas takes 2 of them.
	probe_env MPH_GPUS=0.3 "$PROBE" --image srv --gpu gpus --gpu-mode share --gpu-replicas 4 \
		--gpu-resource nvidia.com/gpu.shared --poll 1 > /dev/null
	assert_equal "$(grep -c '^            nvidia.com/gpu.shared: "2"$' "$KUBECTL_DIR/apply-1.yaml")" 2
	rm "$KUBECTL_DIR"/apply-*
	probe_env MPH_GPUS=0 MPH_GPU_TYPE=Tesla-T4 MPH_CONFIG_HEADER=gpus,gpu_type "$PROBE" --image srv \
		--gpu gpus --gpu-type gpu_type --poll 1 > /dev/null
	assert_equal "$(sed -n '/nodeSelector:/,+1p' "$KUBECTL_DIR/apply-1.yaml")" '      nodeSelector:
        nvidia.com/gpu.product: "Tesla-T4"'
	assert_equal "$(grep -c 'nvidia.com/gpu:' "$KUBECTL_DIR/apply-1.yaml")" 0
}

@test "k8s: parallel trials get names of their own in one namespace, and each is deleted" {
	printf 'cpu\n1\n2\n3\n' > three.csv
	run --separate-stderr mph-probe -j 3 --exec "exec '$PROBE' --image srv --cpu cpu --poll 1" three.csv
	assert_success
	# rows as trials finish
	assert_equal "$(printf '%s\n' "$output" | cut -d, -f1,2,8 | sort | paste -sd' ')" '1,1997.4,ok 2,1997.4,ok 3,1997.4,ok cpu,rps,status'
	names=$(grep -h '^  name:' "$KUBECTL_DIR"/apply-*.yaml | sort -u | wc -l)
	assert_equal "$names" 3
	assert_equal "$(grep -c ' delete ' "$KUBECTL_DIR/calls")" 3
	assert_equal "$(grep ' delete ' "$KUBECTL_DIR/calls" | sort -u | wc -l)" 3
	assert_equal "$(grep -c -- '^-n default ' "$KUBECTL_DIR/calls")" "$(wc -l < "$KUBECTL_DIR/calls")"
}

@test "k8s: a trial whose apply fails is an error, and what was applied is deleted" {
	KUBECTL_MODE=apply-fails run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f1-11)" '2,4.5,1,8,,,,,,,error'
	name=$(trial_name)
	assert_equal "$stderr" "mph-probe: warning: trial 1: error: exit status 1: k8s-probe: kubectl apply failed for trial $name
mph-probe: every trial failed: 1 of 1 (the first: error)"
	deleted "$name"
}

@test "k8s: a failed load test is an error naming the trial, and the trial is deleted" {
	KUBECTL_MODE=job-fails run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu --poll 1" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f11)" error
	name=$(trial_name)
	assert_equal "$stderr" "mph-probe: warning: trial 1: error: exit status 1: k8s-probe: the load test of trial $name failed
mph-probe: every trial failed: 1 of 1 (the first: error)"
	deleted "$name"
}

@test "k8s: a server that never gets ready is not-ready, one killed for memory oom; both are deleted" {
	KUBECTL_MODE=not-ready run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu --ready-timeout 5" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f5,11)" '0,not-ready'
	assert_equal "$(grep ' wait ' "$KUBECTL_DIR/calls" | sed 's/mph-[0-9a-f-]*/NAME/')" \
		'-n default wait --for=condition=available deployment/NAME --timeout=5s'
	deleted "$(trial_name)"
	rm "$KUBECTL_DIR"/*
	KUBECTL_MODE=oom run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f5,11)" '0,oom'
	deleted "$(trial_name)"
}

@test "k8s: a load test that never finishes times out, and the trial is deleted" {
	KUBECTL_MODE=job-hangs run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu --job-timeout 1 --poll 1" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f5,11)" '0,timeout'
	assert_equal "$stderr" 'mph-probe: every trial failed: 1 of 1 (the first: timeout)'
	deleted "$(trial_name)"
}

@test "k8s: a trial mph-probe kills for its --timeout deletes what it created" {
	KUBECTL_MODE=wait-hangs run --separate-stderr mph-probe --timeout 1 --exec "exec '$PROBE' --image srv --cpu cpu" configs.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -d, -f11)" timeout
	assert_equal "$stderr" 'mph-probe: warning: trial 1: timeout: killed after 1 s
mph-probe: every trial failed: 1 of 1 (the first: timeout)'
	deleted "$(trial_name)"
}

@test "k8s: SIGTERM to the probe alone stops its kubectl, deletes the trial and exits 143" {
	# A simple command, not a function, so that $! is the probe itself.
	KUBECTL_MODE=wait-hangs MPH_CONFIG_HEADER=cpu MPH_CPU=2 "$PROBE" --image srv --cpu cpu > out.txt 2> err.txt &
	pid=$!
	for i in $(seq 100); do [ -s "$KUBECTL_DIR/wait.pid" ] && break; sleep 0.05; done
	[ -s "$KUBECTL_DIR/wait.pid" ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 143
	deleted "$(trial_name)"
	# The killed kubectl is gone, or a zombie its new parent has yet to reap.
	p=$(cat "$KUBECTL_DIR/wait.pid")
	for i in $(seq 40); do
		kill -0 "$p" 2> /dev/null || break
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2> /dev/null)" = Z ] && break
		sleep 0.05
	done
	state=$(awk '{ print $3 }' "/proc/$p/stat" 2> /dev/null || true)
	assert [ -z "$state" -o "$state" = Z ]
	assert_equal "$(cat out.txt err.txt)" ''
}

@test "k8s: a knob value that would add YAML or shell is refused: a failed trial, nothing applied" {
	cat > evil.csv <<-'EOF'
	cpu,batch
	2,"8""
	  securityContext: {privileged: true}"
	$(touch pwned),8
	"1""; touch pwned; echo """,8
	EOF
	run --separate-stderr mph-probe --exec "exec '$PROBE' --image srv --cpu cpu" evil.csv
	assert_failure 1 # every trial failed: written all the same
	assert_equal "$(printf '%s\n' "$output" | awk -F, '{ print $NF == "" ? "" : $(NF - 1) }' | tail -n +2 | grep -c '^error$')" 3
	assert_equal "$stderr" "mph-probe: warning: trial 1: error: exit status 1: k8s-probe: knob 'batch': only letters, digits and ._- can reach a manifest: '8\"\\n  securityContext: {privileged: true}'
mph-probe: warning: trial 2: error: exit status 1: k8s-probe: knob 'cpu': not a number of cores: '\$(touch pwned)'
mph-probe: warning: trial 3: error: exit status 1: k8s-probe: knob 'cpu': not a number of cores: '1\"; touch pwned; echo \"'
mph-probe: every trial failed: 3 of 3 (the first: error)"
	assert [ ! -e pwned ]
	assert [ ! -e "$KUBECTL_DIR/calls" ]
}

@test "k8s: a knob named as a resource must be in the configuration" {
	run -1 --separate-stderr probe_env "$PROBE" --image srv --cpu threads
	assert_equal "$stderr" "k8s-probe: knob 'threads' is not in the configuration (no \$MPH_THREADS)"
	assert [ ! -e "$KUBECTL_DIR/calls" ]
}

@test "k8s: a delete that fails leaves a warning naming what to delete by hand" {
	KUBECTL_MODE=delete-fails run --separate-stderr probe_env "$PROBE" --image srv --cpu cpu --poll 1
	assert_success
	assert_line -n 0 'rps=1997.4'
	name=$(trial_name)
	assert_equal "$stderr" "k8s-probe: warning: could not delete trial $name: kubectl -n default delete deployment,service,job -l mph-trial=$name"
}

@test "k8s: usage errors exit 2 before anything reaches the cluster" {
	run -2 --separate-stderr "$PROBE" --cpu cpu
	assert_equal "${stderr_lines[0]}" 'k8s-probe: --image is needed'
	assert_regex "${stderr_lines[1]}" '^usage: k8s-probe --image IMAGE '
	run -2 --separate-stderr "$PROBE" --image srv -n 'a"b'
	assert_equal "${stderr_lines[0]}" "k8s-probe: -n: not a namespace: 'a\"b'"
	run -2 --separate-stderr "$PROBE" --image 'srv"; x'
	assert_equal "${stderr_lines[0]}" "k8s-probe: --image: not an image name: 'srv\"; x'"
	run -2 --separate-stderr "$PROBE" --image srv --gpu-mode half
	assert_equal "${stderr_lines[0]}" "k8s-probe: --gpu-mode: whole, mig or share: 'half'"
	assert [ ! -e "$KUBECTL_DIR/calls" ]
}

@test "k8s: the README's cluster example measures the initial design, one Deployment per configuration" {
	awk '$0 == "## Tuning on a cluster" { on = 1; next } on && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
		"$MPH_ROOT/README.md" > example.sh
	[ -s example.sh ]
	ln -s "$MPH_ROOT/share" share
	ln -s "$MPH_ROOT/bin" bin
	run --separate-stderr bash -e example.sh
	assert_success
	assert_equal "$(tail -n +2 trials.csv | cut -d, -f1-4,11 | sort | paste -sd' ')" \
		"$(mph-space -i share/mph/spaces/morphling.json | tail -n +2 | sed 's/$/,ok/' | sort | paste -sd' ')"
	assert_equal "$(ls "$KUBECTL_DIR"/apply-*.yaml | wc -l)" 16
	# The corner with 5 cores and a 0.6 share: 6 of a GPU's 10 replicas, on a T4 node.
	f=$(for x in "$KUBECTL_DIR"/apply-*.yaml; do
		if [ "$(awk '/- name: "MPH_/ { n = $3 } /^          value:/ { printf "%s=%s ", n, $2 }' "$x")" = \
			'"MPH_CPU"="5" "MPH_GPU_MEM"="0.6" "MPH_BATCH"="128" "MPH_GPU_TYPE"="T4" ' ]; then echo "$x"; fi
	done)
	assert_equal "$(sed -n '/^          requests:/,/^          limits:/p' "$f")" '          requests:
            cpu: "5"
            nvidia.com/gpu: "6"
          limits:'
	assert_equal "$(grep -A1 nodeSelector "$f" | tail -1)" '        mph/gpu-type: "T4"'
	assert_equal "$(grep -c ' delete ' "$KUBECTL_DIR/calls")" 8
}

@test "k8s: MPH_TRIAL names the trial's objects when set, and must be a DNS label" {
	MPH_TRIAL=17 probe_env "$PROBE" --image srv --poll 1 > /dev/null
	assert_regex "$(trial_name)" '^mph-17-[0-9a-f]{6}$'
	rm "$KUBECTL_DIR"/*
	run -1 --separate-stderr probe_env MPH_TRIAL='a.b' "$PROBE" --image srv
	assert_equal "$stderr" "k8s-probe: MPH_TRIAL: not a name ([a-z0-9-]): 'a.b'"
	assert [ ! -e "$KUBECTL_DIR/calls" ]
}
