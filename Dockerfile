FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY tryggest ./tryggest
COPY accounts ./accounts
COPY audit ./audit
COPY intake ./intake
COPY routing ./routing
COPY stats ./stats
COPY kernel ./kernel
COPY casework ./casework
COPY oversight ./oversight
COPY website ./website
RUN pip install --no-cache-dir .

COPY . .
RUN pybabel compile --domain django --directory locale \
    && DEBUG=True python manage.py collectstatic --no-input

RUN useradd --system --home /app tryggest && mkdir -p /app/var && chown tryggest /app/var
USER tryggest
EXPOSE 8000
CMD ["gunicorn", "tryggest.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
