FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY . .
RUN pip install --no-cache-dir . \
    && pybabel compile --domain django --directory locale \
    && DEBUG=True python manage.py collectstatic --no-input

# var/ holds the generated development keys (docker/entrypoint.sh) and beat's schedule; compose
# mounts a volume there, which takes this ownership.
RUN useradd --system --home /app tryggest && mkdir -p /app/var && chown tryggest /app/var
USER tryggest
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "tryggest.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
