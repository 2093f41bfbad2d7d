FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir .
COPY flows ./flows
COPY nlu ./nlu
COPY locales ./locales
RUN pybabel compile -d locales -D messages
# XDG_CACHE_HOME, not NLU_CACHE_DIR: compose passes .env in, whose empty NLU_CACHE_DIR means "the default"
ENV FLOWS_DIR=/app/flows NLU_DIR=/app/nlu LOCALES_DIR=/app/locales PYTHONUNBUFFERED=1 \
    XDG_CACHE_HOME=/var/cache
# the trained NLU model is cached here (mode 0700, owned by the user the bot runs as)
RUN mkdir -p -m 0700 /var/cache/werkhelpdesk/nlu && chown -R nobody /var/cache/werkhelpdesk
USER nobody
EXPOSE 8080
CMD ["sh", "-c", "werkhelpdesk db upgrade && exec werkhelpdesk run"]
