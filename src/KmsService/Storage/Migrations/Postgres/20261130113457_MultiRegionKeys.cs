using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MultiRegionKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MultiRegionKeyType",
                table: "keys",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PendingDeletionWindowInDays",
                table: "keys",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_keys_AccountId_KeyId",
                table: "keys",
                columns: new[] { "AccountId", "KeyId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_keys_AccountId_KeyId",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "MultiRegionKeyType",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "PendingDeletionWindowInDays",
                table: "keys");
        }
    }
}
