namespace Aiops.Abstractions;
