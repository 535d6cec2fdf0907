{{/* Names, labels and the shared pieces of the three Deployments. */}}

{{- define "pixelforge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pixelforge.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pixelforge.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pixelforge.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "pixelforge.secretName" -}}
{{ include "pixelforge.fullname" . }}-secrets
{{- end -}}

{{/* Environment every process shares: the servers, from the ConfigMap and the Secret(s). */}}
{{- define "pixelforge.envFrom" -}}
- configMapRef:
    name: {{ include "pixelforge.fullname" . }}-config
{{- if or .Values.mongo.url .Values.apiKeys.hashes }}
- secretRef:
    name: {{ include "pixelforge.secretName" . }}
{{- end }}
{{- end -}}

{{- define "pixelforge.secretEnv" -}}
{{- if .Values.mongo.existingSecret }}
- name: MONGO_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.mongo.existingSecret }}
      key: {{ .Values.mongo.existingSecretKey }}
{{- end }}
{{- if .Values.apiKeys.existingSecret }}
- name: PIXELFORGE_API_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.apiKeys.existingSecret }}
      key: PIXELFORGE_API_KEYS
{{- end }}
{{- if .Values.importer.sourcesSecret }}
- name: PIXELFORGE_IMPORT_SOURCES
  valueFrom:
    secretKeyRef:
      name: {{ .Values.importer.sourcesSecret }}
      key: PIXELFORGE_IMPORT_SOURCES
{{- end }}
{{- if .Values.accounts.jwtKeysSecret }}
- name: PIXELFORGE_JWT_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.accounts.jwtKeysSecret }}
      key: PIXELFORGE_JWT_KEYS
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by the Deployments. */}}
{{- define "pixelforge.podSpec" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{ toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
{{- end -}}
