FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine engine
COPY web web
COPY forms forms
COPY cli cli
COPY processes processes
RUN pip install --no-cache-dir . && useradd --system nbassist
USER nbassist
ENV NBASSIST_INSTANCE_DIR=/tmp/nbassist NBASSIST_PROCESSES_DIR=/app/processes
EXPOSE 8000
