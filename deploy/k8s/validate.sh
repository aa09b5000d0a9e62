#!/usr/bin/env bash
# Validates the Kubernetes manifests offline, as far as this machine allows (no cluster here):
#  1. yamllint (PyPI) with deploy/k8s/.yamllint;
#  2. kubernetes-validate --strict (PyPI; ships the Kubernetes OpenAPI schemas, default version
#     1.37): every resource against its schema, unknown fields rejected;
#  3. the references between them: Service selector ↔ coordinator pod labels and ports, the
#     workers' --connect ↔ Service name and port, every Secret / ConfigMap / PVC a pod mounts is
#     defined, and every flag in a container's args is one `rung <command> --help` lists.
#   deploy/k8s/validate.sh [RUNG_BINARY]      (without it, step 3 skips the flag check)
# Exit 0 valid, 1 invalid, 77 when yamllint or kubernetes-validate is missing.
set -uo pipefail
RUNG=${1:+$(readlink -f "$1")}
cd "$(dirname "$0")"
command -v yamllint >/dev/null && command -v kubernetes-validate >/dev/null \
    || { echo "SKIP: needs yamllint and kubernetes-validate (python3 -m pip install yamllint kubernetes-validate)"; exit 77; }
yamllint -c .yamllint coordinator.yaml workers.yaml secret.yaml || exit 1
kubernetes-validate --strict --quiet coordinator.yaml workers.yaml secret.yaml || exit 1
python3 - "$RUNG" coordinator.yaml workers.yaml secret.yaml <<'EOF' || exit 1
import re, subprocess, sys, yaml
rung, files = sys.argv[1], sys.argv[2:]
docs = [d for f in files for d in yaml.safe_load_all(open(f)) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
problems = []
svc = by[("Service", "rung-coordinator")]
coord = by[("Deployment", "rung-coordinator")]["spec"]["template"]
labels = coord["metadata"]["labels"]
if any(labels.get(k) != v for k, v in svc["spec"]["selector"].items()):
    problems.append("the Service's selector does not match the coordinator pod's labels")
port_names = {p["name"] for c in coord["spec"]["containers"] for p in c.get("ports", [])}
for p in svc["spec"]["ports"]:
    if p["targetPort"] not in port_names:
        problems.append(f"Service port {p['name']} targets {p['targetPort']}, which the coordinator does not declare")
worker = by[("Deployment", "rung-worker")]["spec"]["template"]
args = worker["spec"]["containers"][0]["args"]
connect = args[args.index("--connect") + 1]
m = re.fullmatch(r"tcp://([^:]+):(\d+)", connect)
if not m or m.group(1) != svc["metadata"]["name"] or int(m.group(2)) not in [p["port"] for p in svc["spec"]["ports"]]:
    problems.append(f"the workers connect to {connect}, not to the Service rung-coordinator's port")
# The key flags arrive with CURVE (`rung keygen`); a rung without it cannot check them yet.
has_curve = bool(rung) and "USAGE: rung keygen" in subprocess.run([rung, "keygen", "--help"], capture_output=True, text=True).stdout
unchecked = set() if has_curve else {"--key", "--allow", "--server-key"}
for name, pod in [("coordinator", coord), ("worker", worker)]:
    for v in pod["spec"].get("volumes", []):
        ref = (("Secret", v["secret"]["secretName"]) if "secret" in v else
               ("ConfigMap", v["configMap"]["name"]) if "configMap" in v else
               ("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"]) if "persistentVolumeClaim" in v else None)
        if ref and ref not in by:
            problems.append(f"the {name} pod mounts {ref[0]} {ref[1]}, which no manifest defines")
    mounted = {m["name"] for c in pod["spec"]["containers"] for m in c.get("volumeMounts", [])}
    if mounted - {v["name"] for v in pod["spec"].get("volumes", [])}:
        problems.append(f"the {name} pod mounts volumes it does not declare: {mounted}")
    for c in pod["spec"]["containers"]:
        if "requests" not in c.get("resources", {}):
            problems.append(f"the {name} container has no resource requests")
        if rung:
            sub = c["args"][0]
            help_text = subprocess.run([rung, sub, "--help"], capture_output=True, text=True).stdout
            for flag in [a for a in c["args"] if a.startswith("--") and a not in unchecked]:
                if not re.search(re.escape(flag) + r"\b", help_text):
                    problems.append(f"`rung {sub}` has no flag {flag} (args of the {name} container)")
for p in problems:
    print("INVALID:", p)
if not problems:
    print(f"references and flags: {len(docs)} resources consistent" + ("" if rung else " (flags not checked: no rung binary given)")
          + (f" (not checked, this rung has no CURVE: {' '.join(sorted(unchecked))})" if rung and unchecked else ""))
sys.exit(1 if problems else 0)
EOF
echo "k8s manifests: valid (yamllint, kubernetes-validate --strict against Kubernetes $(kubernetes-validate --version 2>/dev/null | awk '{print $NF}'), references)"
