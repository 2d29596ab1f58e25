namespace Aiops.Ingest.Tests;
