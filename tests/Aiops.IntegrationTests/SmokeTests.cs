namespace Aiops.IntegrationTests;
