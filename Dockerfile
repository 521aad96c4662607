# The simulator image used by compose.yaml (PostgreSQL runs in its own container).
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e .
ENV DCCSIM_DATA_DIR=/var/lib/dccsim
EXPOSE 8079 8080 8083
CMD ["dccsim", "serve", "--host", "0.0.0.0"]
