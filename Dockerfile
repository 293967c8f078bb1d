FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY engine engine
COPY web web
COPY forms forms
COPY cli cli
COPY processes processes
RUN pip install --no-cache-dir . && useradd --system nbassist
USER nbassist
ENV NBASSIST_INSTANCE_DIR=/tmp/nbassist NBASSIST_PROCESSES_DIR=/app/processes
EXPOSE 8000
# Production serving (see gunicorn.conf.py); docker-compose runs `nbassist init` first.
CMD ["gunicorn", "--config", "/app/gunicorn.conf.py", "web.wsgi:app"]
