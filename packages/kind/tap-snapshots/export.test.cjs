/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/bank.yaml > bank export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario bank: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: yaobank
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: bank
---
apiVersion: v1
kind: Namespace
metadata:
  name: alpsim-ip-sources
  labels:
    istio-injection: disabled
  annotations:
    alpsim.io/scenario: bank

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario bank: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: customer
  namespace: yaobank
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: database
  namespace: yaobank
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: summary
  namespace: yaobank

=== 20-policies.yaml
# alpsim kind export — scenario bank: 20-policies.yaml
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: customer
spec:
  selector: app == 'customer'
  ingress:
    - action: Allow
      http:
        methods:
          - GET
  egress:
    - action: Allow
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: summary
spec:
  selector: app == 'summary'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - customer
  egress:
    - action: Allow
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: database
spec:
  selector: app == 'database'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - summary
  egress:
    - action: Allow

=== 30-workloads.yaml
# alpsim kind export — scenario bank: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: customer-6875679d4-s6dzc
  namespace: yaobank
  labels:
    app: customer
    version: v1
    pod-template-hash: 6875679d4
    alpsim.io/workload: customer-6875679d4-s6dzc
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/ip: 10.65.0.10
    cni.projectcalico.org/ipAddrs: '["10.65.0.10"]'
spec:
  serviceAccountName: customer
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo yaobank/customer-6875679d4-s6dzc:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: customer-6875679d4-s6dzc
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
spec:
  selector:
    alpsim.io/workload: customer-6875679d4-s6dzc
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: summary-5f97c5c85f-pkqgn
  namespace: yaobank
  labels:
    app: summary
    version: v1
    pod-template-hash: 5f97c5c85f
    alpsim.io/workload: summary-5f97c5c85f-pkqgn
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/ip: 10.65.0.20
    cni.projectcalico.org/ipAddrs: '["10.65.0.20"]'
spec:
  serviceAccountName: summary
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo yaobank/summary-5f97c5c85f-pkqgn:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: summary-5f97c5c85f-pkqgn
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
spec:
  selector:
    alpsim.io/workload: summary-5f97c5c85f-pkqgn
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: database-58b6fd5685-df4xh
  namespace: yaobank
  labels:
    app: database
    version: v1
    pod-template-hash: 58b6fd5685
    alpsim.io/workload: database-58b6fd5685-df4xh
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/ip: 10.65.0.30
    cni.projectcalico.org/ipAddrs: '["10.65.0.30"]'
spec:
  serviceAccountName: database
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_2379
          value: alpsim-echo yaobank/database-58b6fd5685-df4xh:2379
      ports:
        - name: http
          containerPort: 2379
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: database-58b6fd5685-df4xh
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
spec:
  selector:
    alpsim.io/workload: database-58b6fd5685-df4xh
  ports:
    - name: http
      port: 2379
      targetPort: 2379
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario bank: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-summary-5f97c5c85f-pkqgn
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/source: yaobank/summary-5f97c5c85f-pkqgn
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 178
  template:
    metadata:
      labels:
        app: summary
        version: v1
        pod-template-hash: 5f97c5c85f
      annotations:
        alpsim.io/scenario: bank
        alpsim.io/source: yaobank/summary-5f97c5c85f-pkqgn
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: summary
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'GET' 'http://customer-6875679d4-s6dzc.yaobank.svc.cluster.local:80/'
              probe 'requests[1]' 'POST' 'http://customer-6875679d4-s6dzc.yaobank.svc.cluster.local:80/'
              probe 'requests[4]' 'GET' 'http://database-58b6fd5685-df4xh.yaobank.svc.cluster.local:2379/v2/keys/accounts'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-customer-6875679d4-s6dzc
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/source: yaobank/customer-6875679d4-s6dzc
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 162
  template:
    metadata:
      labels:
        app: customer
        version: v1
        pod-template-hash: 6875679d4
      annotations:
        alpsim.io/scenario: bank
        alpsim.io/source: yaobank/customer-6875679d4-s6dzc
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: customer
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[2]' 'GET' 'http://summary-5f97c5c85f-pkqgn.yaobank.svc.cluster.local:80/'
              probe 'requests[5]' 'PUT' 'http://database-58b6fd5685-df4xh.yaobank.svc.cluster.local:2379/v2/keys/accounts/alice'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-database-58b6fd5685-df4xh
  namespace: yaobank
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/source: yaobank/database-58b6fd5685-df4xh
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: database
        version: v1
        pod-template-hash: 58b6fd5685
      annotations:
        alpsim.io/scenario: bank
        alpsim.io/source: yaobank/database-58b6fd5685-df4xh
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: database
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[3]' 'GET' 'http://summary-5f97c5c85f-pkqgn.yaobank.svc.cluster.local:80/'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-ip-10-65-9-9
  namespace: alpsim-ip-sources
  annotations:
    alpsim.io/scenario: bank
    alpsim.io/source: 10.65.9.9
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels: {}
      annotations:
        alpsim.io/scenario: bank
        alpsim.io/source: 10.65.9.9
        sidecar.istio.io/inject: "false"
        cni.projectcalico.org/ipAddrs: '["10.65.9.9"]'
    spec:
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[6]' 'GET' 'http://summary-5f97c5c85f-pkqgn.yaobank.svc.cluster.local:80/'
              exit 0

=== plan.json
{
  "scenario": "bank",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "yaobank",
      "name": "customer-6875679d4-s6dzc"
    },
    {
      "namespace": "yaobank",
      "name": "summary-5f97c5c85f-pkqgn"
    },
    {
      "namespace": "yaobank",
      "name": "database-58b6fd5685-df4xh"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "yaobank",
          "name": "alpsim-r-summary-5f97c5c85f-pkqgn",
          "source": "yaobank/summary-5f97c5c85f-pkqgn",
          "requestIds": [
            "requests[0]",
            "requests[1]",
            "requests[4]"
          ]
        },
        {
          "namespace": "yaobank",
          "name": "alpsim-r-customer-6875679d4-s6dzc",
          "source": "yaobank/customer-6875679d4-s6dzc",
          "requestIds": [
            "requests[2]",
            "requests[5]"
          ]
        },
        {
          "namespace": "yaobank",
          "name": "alpsim-r-database-58b6fd5685-df4xh",
          "source": "yaobank/database-58b6fd5685-df4xh",
          "requestIds": [
            "requests[3]"
          ]
        },
        {
          "namespace": "alpsim-ip-sources",
          "name": "alpsim-r-ip-10-65-9-9",
          "source": "10.65.9.9",
          "requestIds": [
            "requests[6]"
          ]
        }
      ]
    }
  ],
  "warnings": []
}

`

exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/bookinfo.yaml > bookinfo export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario bookinfo: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: bookinfo
---
apiVersion: v1
kind: Namespace
metadata:
  name: gateway
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: bookinfo

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario bookinfo: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-details
  namespace: bookinfo
  labels:
    app: details
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-mysqldb
  namespace: bookinfo
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-productpage
  namespace: bookinfo
  labels:
    app: productpage
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-ratings
  namespace: bookinfo
  labels:
    app: ratings
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-reviews
  namespace: bookinfo
  labels:
    app: reviews
    ratings-client: "true"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: gateway

=== 20-policies.yaml
# alpsim kind export — scenario bookinfo: 20-policies.yaml
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: productpage
  namespace: bookinfo
spec:
  selector: app == 'productpage'
  ingress:
    - action: Allow
      http:
        methods:
          - GET
        paths:
          - exact: /productpage
          - prefix: /static/
          - exact: /login
    - action: Allow
      http:
        methods:
          - POST
        paths:
          - exact: /login
          - exact: /logout
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: details
  namespace: bookinfo
spec:
  selector: app == 'details'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - bookinfo-productpage
      http:
        methods:
          - GET
        paths:
          - prefix: /details/
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: reviews
  namespace: bookinfo
spec:
  selector: app == 'reviews'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - bookinfo-productpage
      http:
        methods:
          - GET
        paths:
          - prefix: /reviews/
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ratings
  namespace: bookinfo
spec:
  selector: app == 'ratings'
  ingress:
    - action: Deny
      source:
        namespaceSelector: projectcalico.org/name == 'gateway'
    - action: Allow
      source:
        serviceAccounts:
          selector: ratings-client == 'true'
        selector: version in {'v2', 'v3'}
      http:
        methods:
          - GET
        paths:
          - prefix: /ratings/
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: mysqldb
  namespace: bookinfo
spec:
  selector: app == 'mysqldb'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - bookinfo-ratings

=== 30-workloads.yaml
# alpsim kind export — scenario bookinfo: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: productpage-v1
  namespace: bookinfo
  labels:
    app: productpage
    version: v1
    alpsim.io/workload: productpage-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.10
    cni.projectcalico.org/ipAddrs: '["10.1.0.10"]'
spec:
  serviceAccountName: bookinfo-productpage
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/productpage-v1:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: productpage-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: productpage-v1
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: details-v1
  namespace: bookinfo
  labels:
    app: details
    version: v1
    alpsim.io/workload: details-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.20
    cni.projectcalico.org/ipAddrs: '["10.1.0.20"]'
spec:
  serviceAccountName: bookinfo-details
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/details-v1:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: details-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: details-v1
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v1
  namespace: bookinfo
  labels:
    app: reviews
    version: v1
    alpsim.io/workload: reviews-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.31
    cni.projectcalico.org/ipAddrs: '["10.1.0.31"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v1:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: reviews-v1
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v2
  namespace: bookinfo
  labels:
    app: reviews
    version: v2
    alpsim.io/workload: reviews-v2
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.32
    cni.projectcalico.org/ipAddrs: '["10.1.0.32"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v2:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v2
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: reviews-v2
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v3
  namespace: bookinfo
  labels:
    app: reviews
    version: v3
    alpsim.io/workload: reviews-v3
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.33
    cni.projectcalico.org/ipAddrs: '["10.1.0.33"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v3:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v3
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: reviews-v3
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: ratings-v1
  namespace: bookinfo
  labels:
    app: ratings
    version: v1
    alpsim.io/workload: ratings-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.40
    cni.projectcalico.org/ipAddrs: '["10.1.0.40"]'
spec:
  serviceAccountName: bookinfo-ratings
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/ratings-v1:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: ratings-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: ratings-v1
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: mysqldb-v1
  namespace: bookinfo
  labels:
    app: mysqldb
    version: v1
    alpsim.io/workload: mysqldb-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.50
    cni.projectcalico.org/ipAddrs: '["10.1.0.50"]'
spec:
  serviceAccountName: bookinfo-mysqldb
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_3306
          value: alpsim-echo bookinfo/mysqldb-v1:3306
      ports:
        - name: tcp-mysql
          containerPort: 3306
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: mysqldb-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: mysqldb-v1
  ports:
    - name: tcp-mysql
      port: 3306
      targetPort: 3306
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: mongodb-v1
  namespace: bookinfo
  labels:
    app: mongodb
    version: v1
    alpsim.io/workload: mongodb-v1
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.0.60
    cni.projectcalico.org/ipAddrs: '["10.1.0.60"]'
spec:
  serviceAccountName: default
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_27017
          value: alpsim-echo bookinfo/mongodb-v1:27017
      ports:
        - name: mongo
          containerPort: 27017
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: mongodb-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: mongodb-v1
  ports:
    - name: mongo
      port: 27017
      targetPort: 27017
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: ingressgateway
  namespace: gateway
  labels:
    app: ingressgateway
    alpsim.io/workload: ingressgateway
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/ip: 10.1.9.1
    cni.projectcalico.org/ipAddrs: '["10.1.9.1"]'
spec:
  serviceAccountName: default
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo gateway/ingressgateway:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: ingressgateway
  namespace: gateway
  annotations:
    alpsim.io/scenario: bookinfo
spec:
  selector:
    alpsim.io/workload: ingressgateway
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario bookinfo: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-ingressgateway
  namespace: gateway
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: gateway/ingressgateway
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 258
  template:
    metadata:
      labels:
        app: ingressgateway
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: gateway/ingressgateway
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: default
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'GET' 'http://productpage-v1.bookinfo.svc.cluster.local:9080/productpage?u=normal'
              probe 'requests[1]' 'GET' 'http://productpage-v1.bookinfo.svc.cluster.local:9080/static/bootstrap/css/bootstrap.min.css'
              probe 'requests[2]' 'POST' 'http://productpage-v1.bookinfo.svc.cluster.local:9080/login'
              probe 'requests[3]' 'GET' 'http://productpage-v1.bookinfo.svc.cluster.local:9080/api/v1/products'
              probe 'requests[4]' 'GET' 'http://productpage-v1.bookinfo.svc.cluster.local:9080/productpage/admin'
              probe 'requests[6]' 'GET' 'http://details-v1.bookinfo.svc.cluster.local:9080/details/0'
              probe 'requests[15]' 'GET' 'http://mongodb-v1.bookinfo.svc.cluster.local:27017/'
              probe 'requests[16]' 'GET' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-productpage-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: bookinfo/productpage-v1
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 178
  template:
    metadata:
      labels:
        app: productpage
        version: v1
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: bookinfo/productpage-v1
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-productpage
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[5]' 'GET' 'http://details-v1.bookinfo.svc.cluster.local:9080/details/0'
              probe 'requests[7]' 'GET' 'http://reviews-v2.bookinfo.svc.cluster.local:9080/reviews/0'
              probe 'requests[12]' 'GET' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-reviews-v2
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: bookinfo/reviews-v2
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 178
  template:
    metadata:
      labels:
        app: reviews
        version: v2
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: bookinfo/reviews-v2
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-reviews
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[8]' 'GET' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              probe 'requests[11]' 'POST' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              probe 'requests[14]' 'GET' 'http://mysqldb-v1.bookinfo.svc.cluster.local:3306/'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-reviews-v3
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: bookinfo/reviews-v3
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: reviews
        version: v3
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: bookinfo/reviews-v3
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-reviews
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[9]' 'GET' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-reviews-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: bookinfo/reviews-v1
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: reviews
        version: v1
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: bookinfo/reviews-v1
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-reviews
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[10]' 'GET' 'http://ratings-v1.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-ratings-v1
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo
    alpsim.io/source: bookinfo/ratings-v1
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: ratings
        version: v1
      annotations:
        alpsim.io/scenario: bookinfo
        alpsim.io/source: bookinfo/ratings-v1
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-ratings
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[13]' 'GET' 'http://mysqldb-v1.bookinfo.svc.cluster.local:3306/'
              exit 0

=== plan.json
{
  "scenario": "bookinfo",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "bookinfo",
      "name": "productpage-v1"
    },
    {
      "namespace": "bookinfo",
      "name": "details-v1"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v1"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v2"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v3"
    },
    {
      "namespace": "bookinfo",
      "name": "ratings-v1"
    },
    {
      "namespace": "bookinfo",
      "name": "mysqldb-v1"
    },
    {
      "namespace": "bookinfo",
      "name": "mongodb-v1"
    },
    {
      "namespace": "gateway",
      "name": "ingressgateway"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "gateway",
          "name": "alpsim-r-ingressgateway",
          "source": "gateway/ingressgateway",
          "requestIds": [
            "requests[0]",
            "requests[1]",
            "requests[2]",
            "requests[3]",
            "requests[4]",
            "requests[6]",
            "requests[15]",
            "requests[16]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-productpage-v1",
          "source": "bookinfo/productpage-v1",
          "requestIds": [
            "requests[5]",
            "requests[7]",
            "requests[12]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-reviews-v2",
          "source": "bookinfo/reviews-v2",
          "requestIds": [
            "requests[8]",
            "requests[11]",
            "requests[14]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-reviews-v3",
          "source": "bookinfo/reviews-v3",
          "requestIds": [
            "requests[9]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-reviews-v1",
          "source": "bookinfo/reviews-v1",
          "requestIds": [
            "requests[10]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-ratings-v1",
          "source": "bookinfo/ratings-v1",
          "requestIds": [
            "requests[13]"
          ]
        }
      ]
    }
  ],
  "warnings": []
}

`

exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/bookinfo.yaml > bookinfo-manifests export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario bookinfo-manifests: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio-injection: enabled
    team: books
  annotations:
    alpsim.io/scenario: bookinfo-manifests
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels:
    purpose: monitoring
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: bookinfo-manifests
---
apiVersion: v1
kind: Namespace
metadata:
  name: alpsim-ip-sources
  labels:
    istio-injection: disabled
  annotations:
    alpsim.io/scenario: bookinfo-manifests

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario bookinfo-manifests: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-details
  namespace: bookinfo
  labels:
    account: details
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-productpage
  namespace: bookinfo
  labels:
    account: productpage
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-ratings
  namespace: bookinfo
  labels:
    account: ratings
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-reviews
  namespace: bookinfo
  labels:
    account: reviews
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: prometheus
  namespace: monitoring

=== 20-policies.yaml
# alpsim kind export — scenario bookinfo-manifests: 20-policies.yaml
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-metrics-scrape
spec:
  order: 10
  selector: projectcalico.org/namespace == 'bookinfo'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        namespaceSelector: purpose == 'monitoring'
        serviceAccounts:
          names:
            - prometheus
      http:
        methods:
          - GET
        paths:
          - exact: /metrics
    - action: Pass
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: productpage
  namespace: bookinfo
spec:
  order: 100
  selector: app == 'productpage'
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - http
      http:
        methods:
          - GET
          - HEAD
        paths:
          - exact: /productpage
          - prefix: /static/
          - exact: /
          - prefix: /api/v1/products
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - http
      http:
        methods:
          - POST
        paths:
          - exact: /login
          - exact: /logout
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: details
  namespace: bookinfo
spec:
  order: 100
  selector: app == 'details'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - bookinfo-productpage
      http:
        methods:
          - GET
        paths:
          - prefix: /details/
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: reviews
  namespace: bookinfo
spec:
  order: 100
  selector: app == 'reviews'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          selector: account == 'productpage'
      http:
        methods:
          - GET
        paths:
          - prefix: /reviews/
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ratings
  namespace: bookinfo
spec:
  order: 100
  selector: app == 'ratings'
  ingress:
    - action: Allow
      source:
        selector: version in {'v2', 'v3'}
        serviceAccounts:
          names:
            - bookinfo-reviews
      http:
        methods:
          - GET
        paths:
          - prefix: /ratings/

=== 30-workloads.yaml
# alpsim kind export — scenario bookinfo-manifests: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: productpage-v1-6cc5c44f7b-pmxqb
  namespace: bookinfo
  labels:
    app: productpage
    version: v1
    pod-template-hash: 6cc5c44f7b
    alpsim.io/workload: productpage-v1-6cc5c44f7b-pmxqb
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.10
    cni.projectcalico.org/ipAddrs: '["10.65.1.10"]'
spec:
  serviceAccountName: bookinfo-productpage
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/productpage-v1-6cc5c44f7b-pmxqb:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: productpage-v1-6cc5c44f7b-pmxqb
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: productpage-v1-6cc5c44f7b-pmxqb
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: details-v1-8949dbd95-cb6ln
  namespace: bookinfo
  labels:
    app: details
    version: v1
    pod-template-hash: 8949dbd95
    alpsim.io/workload: details-v1-8949dbd95-cb6ln
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.20
    cni.projectcalico.org/ipAddrs: '["10.65.1.20"]'
spec:
  serviceAccountName: bookinfo-details
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/details-v1-8949dbd95-cb6ln:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: details-v1-8949dbd95-cb6ln
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: details-v1-8949dbd95-cb6ln
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v1-5c7f8fbc75-vgcvc
  namespace: bookinfo
  labels:
    app: reviews
    version: v1
    pod-template-hash: 5c7f8fbc75
    alpsim.io/workload: reviews-v1-5c7f8fbc75-vgcvc
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.31
    cni.projectcalico.org/ipAddrs: '["10.65.1.31"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v1-5c7f8fbc75-vgcvc:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v1-5c7f8fbc75-vgcvc
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: reviews-v1-5c7f8fbc75-vgcvc
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v2-55644844d6-v7ljk
  namespace: bookinfo
  labels:
    app: reviews
    version: v2
    pod-template-hash: 55644844d6
    alpsim.io/workload: reviews-v2-55644844d6-v7ljk
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.32
    cni.projectcalico.org/ipAddrs: '["10.65.1.32"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v2-55644844d6-v7ljk:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v2-55644844d6-v7ljk
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: reviews-v2-55644844d6-v7ljk
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v3-558c4974fc-mpdvp
  namespace: bookinfo
  labels:
    app: reviews
    version: v3
    pod-template-hash: 558c4974fc
    alpsim.io/workload: reviews-v3-558c4974fc-mpdvp
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.33
    cni.projectcalico.org/ipAddrs: '["10.65.1.33"]'
spec:
  serviceAccountName: bookinfo-reviews
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/reviews-v3-558c4974fc-mpdvp:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: reviews-v3-558c4974fc-mpdvp
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: reviews-v3-558c4974fc-mpdvp
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: ratings-v1-7f4bb56477-q97t9
  namespace: bookinfo
  labels:
    app: ratings
    version: v1
    pod-template-hash: 7f4bb56477
    alpsim.io/workload: ratings-v1-7f4bb56477-q97t9
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.1.40
    cni.projectcalico.org/ipAddrs: '["10.65.1.40"]'
spec:
  serviceAccountName: bookinfo-ratings
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9080
          value: alpsim-echo bookinfo/ratings-v1-7f4bb56477-q97t9:9080
      ports:
        - name: http
          containerPort: 9080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: ratings-v1-7f4bb56477-q97t9
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: ratings-v1-7f4bb56477-q97t9
  ports:
    - name: http
      port: 9080
      targetPort: 9080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: prometheus-7968ccf957-bjfbk
  namespace: monitoring
  labels:
    app: prometheus
    pod-template-hash: 7968ccf957
    alpsim.io/workload: prometheus-7968ccf957-bjfbk
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/ip: 10.65.2.10
    cni.projectcalico.org/ipAddrs: '["10.65.2.10"]'
spec:
  serviceAccountName: prometheus
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_9090
          value: alpsim-echo monitoring/prometheus-7968ccf957-bjfbk:9090
      ports:
        - name: web
          containerPort: 9090
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: prometheus-7968ccf957-bjfbk
  namespace: monitoring
  annotations:
    alpsim.io/scenario: bookinfo-manifests
spec:
  selector:
    alpsim.io/workload: prometheus-7968ccf957-bjfbk
  ports:
    - name: tcp-9090
      port: 9090
      targetPort: 9090
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario bookinfo-manifests: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-prometheus-7968ccf957-bjfbk
  namespace: monitoring
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/source: monitoring/prometheus-7968ccf957-bjfbk
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 162
  template:
    metadata:
      labels:
        app: prometheus
        pod-template-hash: 7968ccf957
      annotations:
        alpsim.io/scenario: bookinfo-manifests
        alpsim.io/source: monitoring/prometheus-7968ccf957-bjfbk
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: prometheus
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'GET' 'http://productpage-v1-6cc5c44f7b-pmxqb.bookinfo.svc.cluster.local:9080/metrics'
              probe 'requests[3]' 'DELETE' 'http://details-v1-8949dbd95-cb6ln.bookinfo.svc.cluster.local:9080/details/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-productpage-v1-6cc5c44f7b-pmxqb
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/source: bookinfo/productpage-v1-6cc5c44f7b-pmxqb
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: productpage
        version: v1
        pod-template-hash: 6cc5c44f7b
      annotations:
        alpsim.io/scenario: bookinfo-manifests
        alpsim.io/source: bookinfo/productpage-v1-6cc5c44f7b-pmxqb
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-productpage
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[1]' 'GET' 'http://reviews-v1-5c7f8fbc75-vgcvc.bookinfo.svc.cluster.local:9080/reviews/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-reviews-v1-5c7f8fbc75-vgcvc
  namespace: bookinfo
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/source: bookinfo/reviews-v1-5c7f8fbc75-vgcvc
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: reviews
        version: v1
        pod-template-hash: 5c7f8fbc75
      annotations:
        alpsim.io/scenario: bookinfo-manifests
        alpsim.io/source: bookinfo/reviews-v1-5c7f8fbc75-vgcvc
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: bookinfo-reviews
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[2]' 'GET' 'http://ratings-v1-7f4bb56477-q97t9.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-ip-10-1-99-9
  namespace: alpsim-ip-sources
  annotations:
    alpsim.io/scenario: bookinfo-manifests
    alpsim.io/source: 10.1.99.9
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels: {}
      annotations:
        alpsim.io/scenario: bookinfo-manifests
        alpsim.io/source: 10.1.99.9
        sidecar.istio.io/inject: "false"
        cni.projectcalico.org/ipAddrs: '["10.1.99.9"]'
    spec:
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[4]' 'GET' 'http://ratings-v1-7f4bb56477-q97t9.bookinfo.svc.cluster.local:9080/ratings/0'
              exit 0

=== plan.json
{
  "scenario": "bookinfo-manifests",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "bookinfo",
      "name": "productpage-v1-6cc5c44f7b-pmxqb"
    },
    {
      "namespace": "bookinfo",
      "name": "details-v1-8949dbd95-cb6ln"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v1-5c7f8fbc75-vgcvc"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v2-55644844d6-v7ljk"
    },
    {
      "namespace": "bookinfo",
      "name": "reviews-v3-558c4974fc-mpdvp"
    },
    {
      "namespace": "bookinfo",
      "name": "ratings-v1-7f4bb56477-q97t9"
    },
    {
      "namespace": "monitoring",
      "name": "prometheus-7968ccf957-bjfbk"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "monitoring",
          "name": "alpsim-r-prometheus-7968ccf957-bjfbk",
          "source": "monitoring/prometheus-7968ccf957-bjfbk",
          "requestIds": [
            "requests[0]",
            "requests[3]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-productpage-v1-6cc5c44f7b-pmxqb",
          "source": "bookinfo/productpage-v1-6cc5c44f7b-pmxqb",
          "requestIds": [
            "requests[1]"
          ]
        },
        {
          "namespace": "bookinfo",
          "name": "alpsim-r-reviews-v1-5c7f8fbc75-vgcvc",
          "source": "bookinfo/reviews-v1-5c7f8fbc75-vgcvc",
          "requestIds": [
            "requests[2]"
          ]
        },
        {
          "namespace": "alpsim-ip-sources",
          "name": "alpsim-r-ip-10-1-99-9",
          "source": "10.1.99.9",
          "requestIds": [
            "requests[4]"
          ]
        }
      ]
    }
  ],
  "warnings": [
    "Service bookinfo/productpage is not exported: each workload gets its own Service (port names from alpsim's listener kinds), and a label selector would also pick the request Jobs' pods",
    "Service bookinfo/details is not exported: each workload gets its own Service (port names from alpsim's listener kinds), and a label selector would also pick the request Jobs' pods",
    "Service bookinfo/reviews is not exported: each workload gets its own Service (port names from alpsim's listener kinds), and a label selector would also pick the request Jobs' pods",
    "Service bookinfo/ratings is not exported: each workload gets its own Service (port names from alpsim's listener kinds), and a label selector would also pick the request Jobs' pods"
  ]
}

`

exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/faults.yaml > faults export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario faults: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: bank
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: faults

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario faults: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: audit
  namespace: bank
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ledger
  namespace: bank
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: teller
  namespace: bank

=== 20-policies.yaml
# alpsim kind export — scenario faults: 20-policies.yaml
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: ledger-readers
spec:
  selector: app == 'ledger'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - teller
      http:
        methods:
          - GET

=== 30-workloads.yaml
# alpsim kind export — scenario faults: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: teller
  namespace: bank
  labels:
    app: teller
    alpsim.io/workload: teller
  annotations:
    alpsim.io/scenario: faults
    alpsim.io/ip: 10.2.0.10
    cni.projectcalico.org/ipAddrs: '["10.2.0.10"]'
spec:
  serviceAccountName: teller
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo bank/teller:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: teller
  namespace: bank
  annotations:
    alpsim.io/scenario: faults
spec:
  selector:
    alpsim.io/workload: teller
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: ledger
  namespace: bank
  labels:
    app: ledger
    alpsim.io/workload: ledger
  annotations:
    alpsim.io/scenario: faults
    alpsim.io/ip: 10.2.0.20
    cni.projectcalico.org/ipAddrs: '["10.2.0.20"]'
spec:
  serviceAccountName: ledger
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo bank/ledger:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: ledger
  namespace: bank
  annotations:
    alpsim.io/scenario: faults
spec:
  selector:
    alpsim.io/workload: ledger
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: audit
  namespace: bank
  labels:
    app: audit
    alpsim.io/workload: audit
  annotations:
    alpsim.io/scenario: faults
    alpsim.io/ip: 10.2.0.30
    cni.projectcalico.org/ipAddrs: '["10.2.0.30"]'
spec:
  serviceAccountName: audit
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo bank/audit:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: audit
  namespace: bank
  annotations:
    alpsim.io/scenario: faults
spec:
  selector:
    alpsim.io/workload: audit
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario faults: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-teller
  namespace: bank
  annotations:
    alpsim.io/scenario: faults
    alpsim.io/source: bank/teller
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 162
  template:
    metadata:
      labels:
        app: teller
      annotations:
        alpsim.io/scenario: faults
        alpsim.io/source: bank/teller
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: teller
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'GET' 'http://ledger.bank.svc.cluster.local:80/balance'
              probe 'requests[1]' 'POST' 'http://ledger.bank.svc.cluster.local:80/balance'
              exit 0

=== plan.json
{
  "scenario": "faults",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "bank",
      "name": "teller"
    },
    {
      "namespace": "bank",
      "name": "ledger"
    },
    {
      "namespace": "bank",
      "name": "audit"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "bank",
          "name": "alpsim-r-teller",
          "source": "bank/teller",
          "requestIds": [
            "requests[0]",
            "requests[1]"
          ]
        }
      ]
    },
    {
      "kind": "skip",
      "step": 0,
      "note": "step 1: fault felix-restart is not reproduced on kind (alpsim run only)"
    },
    {
      "kind": "skip",
      "step": 1,
      "note": "step 2: request \\"Felix restart changes nothing\\" not run (it follows the fault of step 1)"
    },
    {
      "kind": "skip",
      "step": 2,
      "note": "step 3: fault dikastes-stop is not reproduced on kind (alpsim run only)"
    },
    {
      "kind": "skip",
      "step": 3,
      "note": "step 4: request \\"ledger's Dikastes is down, so Envoy fails closed\\" not run (it follows the fault of step 1)"
    },
    {
      "kind": "skip",
      "step": 4,
      "note": "step 5: request \\"other workloads are unaffected\\" not run (it follows the fault of step 1)"
    },
    {
      "kind": "skip",
      "step": 5,
      "note": "step 6: fault dikastes-restart is not reproduced on kind (alpsim run only)"
    },
    {
      "kind": "skip",
      "step": 6,
      "note": "step 7: request \\"back after the restart\\" not run (it follows the fault of step 1)"
    },
    {
      "kind": "skip",
      "step": 7,
      "note": "step 8: fault dikastes-slow is not reproduced on kind (alpsim run only)"
    },
    {
      "kind": "skip",
      "step": 8,
      "note": "step 9: request \\"a frozen Dikastes times out\\" not run (it follows the fault of step 1)"
    },
    {
      "kind": "skip",
      "step": 9,
      "note": "step 10: fault dikastes-restart is not reproduced on kind (alpsim run only)"
    },
    {
      "kind": "skip",
      "step": 10,
      "note": "step 11: request \\"every Dikastes restarted and serving\\" not run (it follows the fault of step 1)"
    }
  ],
  "warnings": [
    "step 1: fault felix-restart is not reproduced on kind (alpsim run only)",
    "step 3: fault dikastes-stop is not reproduced on kind (alpsim run only)",
    "step 6: fault dikastes-restart is not reproduced on kind (alpsim run only)",
    "step 8: fault dikastes-slow is not reproduced on kind (alpsim run only)",
    "step 10: fault dikastes-restart is not reproduced on kind (alpsim run only)"
  ]
}

`

exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/policy-change.yaml > policy-change export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario policy-change: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: jobs
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: policy-change
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: policy-change

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario policy-change: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: batch
  namespace: jobs
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop

=== 20-policies.yaml
# alpsim kind export — scenario policy-change: 20-policies.yaml
# (nothing to apply)

=== 30-workloads.yaml
# alpsim kind export — scenario policy-change: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
    alpsim.io/workload: web
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/ip: 10.0.1.10
    cni.projectcalico.org/ipAddrs: '["10.0.1.10"]'
spec:
  serviceAccountName: web
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo shop/web:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    alpsim.io/scenario: policy-change
spec:
  selector:
    alpsim.io/workload: web
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
  labels:
    app: api
    alpsim.io/workload: api
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/ip: 10.0.1.20
    cni.projectcalico.org/ipAddrs: '["10.0.1.20"]'
spec:
  serviceAccountName: api
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_8080
          value: alpsim-echo shop/api:8080
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
  annotations:
    alpsim.io/scenario: policy-change
spec:
  selector:
    alpsim.io/workload: api
  ports:
    - name: http
      port: 8080
      targetPort: 8080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: batch
  namespace: jobs
  labels:
    app: batch
    alpsim.io/workload: batch
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/ip: 10.0.2.10
    cni.projectcalico.org/ipAddrs: '["10.0.2.10"]'
spec:
  serviceAccountName: batch
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo jobs/batch:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: batch
  namespace: jobs
  annotations:
    alpsim.io/scenario: policy-change
spec:
  selector:
    alpsim.io/workload: batch
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario policy-change: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-web
  namespace: shop
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: shop/web
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: web
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: shop/web
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: web
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'DELETE' 'http://api.shop.svc.cluster.local:8080/orders/1'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-batch
  namespace: jobs
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: jobs/batch
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: batch
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: jobs/batch
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: batch
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[1]' 'GET' 'http://api.shop.svc.cluster.local:8080/orders'
              exit 0

=== 60-step-000-apply.yaml
# alpsim kind export — scenario policy-change: 60-step-000-apply.yaml
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-readers
  namespace: shop
spec:
  selector: app == 'api'
  ingress:
    - action: Allow
      source:
        selector: app == 'web'
      http:
        methods:
          - GET

=== 60-step-001-requests.yaml
# alpsim kind export — scenario policy-change: 60-step-001-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-s1-web
  namespace: shop
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: shop/web
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 162
  template:
    metadata:
      labels:
        app: web
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: shop/web
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: web
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'steps[1].request' 'GET' 'http://api.shop.svc.cluster.local:8080/orders'
              probe 'steps[2].request' 'DELETE' 'http://api.shop.svc.cluster.local:8080/orders/1'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-s1-batch
  namespace: jobs
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: jobs/batch
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: batch
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: jobs/batch
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: batch
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'steps[3].request' 'GET' 'http://api.shop.svc.cluster.local:8080/orders'
              exit 0

=== 60-step-004-apply.yaml
# alpsim kind export — scenario policy-change: 60-step-004-apply.yaml
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-readers
  namespace: shop
spec:
  selector: app == 'api'
  ingress:
    - action: Allow
      source:
        selector: app == 'web'
      http:
        methods:
          - GET
    - action: Allow
      source:
        namespaceSelector: projectcalico.org/name == 'jobs'
        serviceAccounts:
          names:
            - batch
      http:
        methods:
          - GET
        paths:
          - prefix: /orders

=== 60-step-005-requests.yaml
# alpsim kind export — scenario policy-change: 60-step-005-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-s5-batch
  namespace: jobs
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: jobs/batch
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 162
  template:
    metadata:
      labels:
        app: batch
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: jobs/batch
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: batch
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'steps[5].request' 'GET' 'http://api.shop.svc.cluster.local:8080/orders/7'
              probe 'steps[6].request' 'GET' 'http://api.shop.svc.cluster.local:8080/users'
              exit 0

=== 60-step-007-delete.yaml
# alpsim kind export — scenario policy-change: 60-step-007-delete.yaml
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-readers
  namespace: shop

=== 60-step-008-requests.yaml
# alpsim kind export — scenario policy-change: 60-step-008-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-s8-web
  namespace: shop
  annotations:
    alpsim.io/scenario: policy-change
    alpsim.io/source: shop/web
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: web
      annotations:
        alpsim.io/scenario: policy-change
        alpsim.io/source: shop/web
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: web
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'steps[8].request' 'DELETE' 'http://api.shop.svc.cluster.local:8080/orders/1'
              exit 0

=== plan.json
{
  "scenario": "policy-change",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "shop",
      "name": "web"
    },
    {
      "namespace": "shop",
      "name": "api"
    },
    {
      "namespace": "jobs",
      "name": "batch"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "shop",
          "name": "alpsim-r-web",
          "source": "shop/web",
          "requestIds": [
            "requests[0]"
          ]
        },
        {
          "namespace": "jobs",
          "name": "alpsim-r-batch",
          "source": "jobs/batch",
          "requestIds": [
            "requests[1]"
          ]
        }
      ]
    },
    {
      "kind": "apply",
      "file": "60-step-000-apply.yaml",
      "step": 0
    },
    {
      "kind": "jobs",
      "file": "60-step-001-requests.yaml",
      "jobs": [
        {
          "namespace": "shop",
          "name": "alpsim-s1-web",
          "source": "shop/web",
          "requestIds": [
            "steps[1].request",
            "steps[2].request"
          ]
        },
        {
          "namespace": "jobs",
          "name": "alpsim-s1-batch",
          "source": "jobs/batch",
          "requestIds": [
            "steps[3].request"
          ]
        }
      ],
      "step": 1
    },
    {
      "kind": "apply",
      "file": "60-step-004-apply.yaml",
      "step": 4
    },
    {
      "kind": "jobs",
      "file": "60-step-005-requests.yaml",
      "jobs": [
        {
          "namespace": "jobs",
          "name": "alpsim-s5-batch",
          "source": "jobs/batch",
          "requestIds": [
            "steps[5].request",
            "steps[6].request"
          ]
        }
      ],
      "step": 5
    },
    {
      "kind": "delete",
      "file": "60-step-007-delete.yaml",
      "step": 7
    },
    {
      "kind": "jobs",
      "file": "60-step-008-requests.yaml",
      "jobs": [
        {
          "namespace": "shop",
          "name": "alpsim-s8-web",
          "source": "shop/web",
          "requestIds": [
            "steps[8].request"
          ]
        }
      ],
      "step": 8
    }
  ],
  "warnings": []
}

`

exports[`packages/kind/dist/test/export.test.js > TAP > export of scenarios/quickstart.yaml > quickstart export 1`] = `
=== 00-namespaces.yaml
# alpsim kind export — scenario quickstart: 00-namespaces.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
  annotations:
    alpsim.io/scenario: quickstart

=== 10-serviceaccounts.yaml
# alpsim kind export — scenario quickstart: 10-serviceaccounts.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: backend
  namespace: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: frontend
  namespace: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: intruder
  namespace: shop

=== 20-policies.yaml
# alpsim kind export — scenario quickstart: 20-policies.yaml
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: backend-api
spec:
  selector: app == 'backend'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - frontend
      http:
        methods:
          - GET
          - HEAD
        paths:
          - prefix: /api/

=== 30-workloads.yaml
# alpsim kind export — scenario quickstart: 30-workloads.yaml
---
apiVersion: v1
kind: Pod
metadata:
  name: frontend
  namespace: shop
  labels:
    app: frontend
    alpsim.io/workload: frontend
  annotations:
    alpsim.io/scenario: quickstart
    alpsim.io/ip: 10.0.0.10
    cni.projectcalico.org/ipAddrs: '["10.0.0.10"]'
spec:
  serviceAccountName: frontend
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo shop/frontend:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: shop
  annotations:
    alpsim.io/scenario: quickstart
spec:
  selector:
    alpsim.io/workload: frontend
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: backend
  namespace: shop
  labels:
    app: backend
    alpsim.io/workload: backend
  annotations:
    alpsim.io/scenario: quickstart
    alpsim.io/ip: 10.0.0.20
    cni.projectcalico.org/ipAddrs: '["10.0.0.20"]'
spec:
  serviceAccountName: backend
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_8080
          value: alpsim-echo shop/backend:8080
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: backend
  namespace: shop
  annotations:
    alpsim.io/scenario: quickstart
spec:
  selector:
    alpsim.io/workload: backend
  ports:
    - name: http
      port: 8080
      targetPort: 8080
      protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: intruder
  namespace: shop
  labels:
    app: intruder
    alpsim.io/workload: intruder
  annotations:
    alpsim.io/scenario: quickstart
    alpsim.io/ip: 10.0.0.30
    cni.projectcalico.org/ipAddrs: '["10.0.0.30"]'
spec:
  serviceAccountName: intruder
  containers:
    - name: echo
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      args:
        - porter
      env:
        - name: SERVE_PORT_80
          value: alpsim-echo shop/intruder:80
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: intruder
  namespace: shop
  annotations:
    alpsim.io/scenario: quickstart
spec:
  selector:
    alpsim.io/workload: intruder
  ports:
    - name: http
      port: 80
      targetPort: 80
      protocol: TCP

=== 40-requests.yaml
# alpsim kind export — scenario quickstart: 40-requests.yaml
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-frontend
  namespace: shop
  annotations:
    alpsim.io/scenario: quickstart
    alpsim.io/source: shop/frontend
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 178
  template:
    metadata:
      labels:
        app: frontend
      annotations:
        alpsim.io/scenario: quickstart
        alpsim.io/source: shop/frontend
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: frontend
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[0]' 'GET' 'http://backend.shop.svc.cluster.local:8080/api/items'
              probe 'requests[1]' 'HEAD' 'http://backend.shop.svc.cluster.local:8080/api/health'
              probe 'requests[2]' 'DELETE' 'http://backend.shop.svc.cluster.local:8080/api/items/7'
              exit 0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: alpsim-r-intruder
  namespace: shop
  annotations:
    alpsim.io/scenario: quickstart
    alpsim.io/source: shop/intruder
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 146
  template:
    metadata:
      labels:
        app: intruder
      annotations:
        alpsim.io/scenario: quickstart
        alpsim.io/source: shop/intruder
        inject.istio.io/templates: sidecar
    spec:
      serviceAccountName: intruder
      restartPolicy: Never
      containers:
        - name: client
          image: docker.io/curlimages/curl:8.11.1
          command:
            - /bin/sh
            - -c
            - |
              set -u
              sleep 10
              # probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}
              probe() {
                id="$1"; method="$2"; url="$3"; shift 3
                rm -f /tmp/body
                if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi
                status=$(curl --silent --path-as-is --max-time 15 --output /tmp/body --write-out '%{http_code}' "$@" "$url")
                rc=$?
                reached=false; grep -q 'alpsim-echo' /tmp/body 2>/dev/null && reached=true
                printf '{"kind":"alpsim-result","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"
              }
              probe 'requests[3]' 'GET' 'http://backend.shop.svc.cluster.local:8080/api/items'
              exit 0

=== plan.json
{
  "scenario": "quickstart",
  "apply": [
    "00-namespaces.yaml",
    "10-serviceaccounts.yaml",
    "20-policies.yaml",
    "30-workloads.yaml"
  ],
  "waitForPods": [
    {
      "namespace": "shop",
      "name": "frontend"
    },
    {
      "namespace": "shop",
      "name": "backend"
    },
    {
      "namespace": "shop",
      "name": "intruder"
    }
  ],
  "then": [
    {
      "kind": "jobs",
      "file": "40-requests.yaml",
      "jobs": [
        {
          "namespace": "shop",
          "name": "alpsim-r-frontend",
          "source": "shop/frontend",
          "requestIds": [
            "requests[0]",
            "requests[1]",
            "requests[2]"
          ]
        },
        {
          "namespace": "shop",
          "name": "alpsim-r-intruder",
          "source": "shop/intruder",
          "requestIds": [
            "requests[3]"
          ]
        }
      ]
    }
  ],
  "warnings": []
}

`
