namespace Aiops.Api;
