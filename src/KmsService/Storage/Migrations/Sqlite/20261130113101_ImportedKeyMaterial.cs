using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ImportedKeyMaterial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ExpirationModel",
                table: "keys",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ValidTo",
                table: "keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AlterColumn<byte[]>(
                name: "Wrapped",
                table: "backing_keys",
                type: "BLOB",
                nullable: true,
                oldClrType: typeof(byte[]),
                oldType: "BLOB");

            migrationBuilder.AddColumn<string>(
                name: "ExpirationModel",
                table: "backing_keys",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeyMaterialDescription",
                table: "backing_keys",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "PendingRotation",
                table: "backing_keys",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "ValidTo",
                table: "backing_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_backing_keys_ValidTo",
                table: "backing_keys",
                column: "ValidTo");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_backing_keys_ValidTo",
                table: "backing_keys");

            migrationBuilder.DropColumn(
                name: "ExpirationModel",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "ValidTo",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "ExpirationModel",
                table: "backing_keys");

            migrationBuilder.DropColumn(
                name: "KeyMaterialDescription",
                table: "backing_keys");

            migrationBuilder.DropColumn(
                name: "PendingRotation",
                table: "backing_keys");

            migrationBuilder.DropColumn(
                name: "ValidTo",
                table: "backing_keys");

            migrationBuilder.AlterColumn<byte[]>(
                name: "Wrapped",
                table: "backing_keys",
                type: "BLOB",
                nullable: false,
                defaultValue: new byte[0],
                oldClrType: typeof(byte[]),
                oldType: "BLOB",
                oldNullable: true);
        }
    }
}
