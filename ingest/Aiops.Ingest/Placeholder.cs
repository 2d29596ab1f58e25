namespace Aiops.Ingest;
