{{/*
One Deployment of the shared image. Arguments (a dict): root, component, replicas, resources, command,
port (name http, optional), healthPort (optional), probes (bool).
*/}}
{{- define "pixelforge.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "pixelforge.fullname" $root }}-{{ .component }}
  labels: {{- include "pixelforge.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ .replicas }}
  selector:
    matchLabels: {{- include "pixelforge.selector" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels: {{- include "pixelforge.selector" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        # Roll the pods when the shared configuration changes.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    spec:
      serviceAccountName: {{ include "pixelforge.fullname" $root }}-{{ .component }}
      {{- include "pixelforge.podSpec" $root | nindent 6 }}
      containers:
        - name: {{ .component }}
          image: {{ include "pixelforge.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: {{ toJson .command }}
          envFrom: {{- include "pixelforge.envFrom" $root | nindent 12 }}
          env:
            - name: POD_NAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
            {{- include "pixelforge.secretEnv" $root | nindent 12 }}
          {{- $probePort := .port | default .healthPort }}
          {{- if or .port .healthPort }}
          ports:
            {{- with .port }}
            - { name: http, containerPort: {{ . }} }
            {{- end }}
            {{- with .healthPort }}
            - { name: health, containerPort: {{ . }} }
            {{- end }}
          {{- end }}
          {{- if and .probes $probePort }}
          startupProbe:
            httpGet: { path: /healthz, port: {{ $probePort }} }
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: {{ $probePort }} }
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: {{ $probePort }} }
            periodSeconds: 5
            failureThreshold: 2
          {{- end }}
          resources: {{- toYaml .resources | nindent 12 }}
          securityContext: {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
{{- end -}}
